//! The identity example: who is calling, and who may.
//!
//! - [`WhoAmI`]: a handler that reads [`piperpc::ConnectInfo`], the caller's
//!   pid and user as the OS reports them (never as the caller claims), and
//!   returns it.
//! - [`OnlyWorker`]: a peer policy that admits exactly one process, the
//!   worker this server started, and refuses every other, even one of the
//!   same user. A refused caller gets `PERMISSION_DENIED` with the reason,
//!   and never reaches a handler.

mod policy;
mod service;

pub use policy::OnlyWorker;
pub use service::WhoAmI;

/// The generated messages, server and client of `identity.v1`.
pub mod pb {
    tonic::include_proto!("identity.v1");
}

/// The address both binaries use unless told otherwise (a bare name).
pub const DEFAULT_ADDRESS: &str = "identity-example";
