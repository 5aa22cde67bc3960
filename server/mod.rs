//! Process A: the serve loop and the demo services.
//!
//! - [`serve`]: bind every address, serve until a stop signal, drain.
//! - [`echo`], [`keyvalue`] (over [`store`]), [`stats`]: the demo services.
//! - [`shutdown`], [`signal`]: when and how to stop.

pub mod echo;
pub mod keyvalue;
pub mod serve;
pub mod shutdown;
pub mod signal;
pub mod stats;
pub mod store;

pub use serve::{ServeConfig, serve};
