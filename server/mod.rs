//! Process A: the serve loop and the demo services.
//!
//! - [`serve`]: the demo services on the framework's `Server`.
//! - [`echo`], [`keyvalue`] (over [`store`]), [`stats`]: the demo services.

pub mod echo;
pub mod keyvalue;
pub mod serve;
pub mod stats;
pub mod store;

#[cfg(unix)]
pub use serve::serve_inherited;
pub use serve::{ServeConfig, serve};
