//! The middleware example: the tower and tonic middleware a tonic
//! application already uses, around a service served by `piperpc::Server`.
//!
//! - [`pb`]: the Rust code `build.rs` generated from
//!   `proto/jobs/v1/jobs.proto` (`JobsServer`, `JobsClient`, messages).
//! - [`Jobs`]: the service, jobs that take time, so the concurrency limit
//!   has something to hold back.
//! - [`RequireToken`] / [`BearerToken`]: the auth interceptor on the
//!   server, and its counterpart that attaches the token on the client.
//! - [`Observe`]: hooks for `tower_http`'s `TraceLayer` that count what it
//!   sees as well as logging it, so a test can check it saw every call.
//! - [`Stats`]: those counts, and the service's, shared.
//! - [`reflection`]: gRPC reflection over the service and health.
//!
//! `src/bin/middleware-server.rs` puts the stack together; `src/bin/middleware-client.rs` calls
//! it with and without the token.

mod auth;
mod observe;
mod service;
mod stats;

pub use auth::{BearerToken, RequireToken};
pub use observe::Observe;
pub use service::Jobs;
pub use stats::Stats;

/// The generated messages, server and client of `jobs.v1`.
pub mod pb {
    tonic::include_proto!("jobs.v1");

    /// The encoded descriptors of `jobs.proto`, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));
}

/// The address both binaries use unless told otherwise: a bare name, which
/// is the pipe `\\.\pipe\middleware-example` on Windows and a socket only
/// this user can reach on Unix.
pub const DEFAULT_ADDRESS: &str = "middleware-example";

/// The environment variable both binaries read the token from when no
/// `--token` is given.
pub const TOKEN_ENV: &str = "MIDDLEWARE_EXAMPLE_TOKEN";

/// The token both binaries use when given none: fine for trying the
/// example, and for nothing else. A real service takes its secret from
/// its deployment, never from its source.
pub const DEFAULT_TOKEN: &str = "example-token";

/// The gRPC reflection service (v1): the jobs service and health, so a
/// grpcurl-style tool can list and call both.
///
/// # Errors
///
/// A descriptor set could not be decoded (a broken build).
pub fn reflection() -> Result<
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::Error,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
}
