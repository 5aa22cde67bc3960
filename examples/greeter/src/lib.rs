//! The greeter example: a service of its own, served on a local pipe.
//!
//! - [`pb`]: the Rust code `build.rs` generated from
//!   `proto/greeter/v1/greeter.proto` (messages, `GreeterServer`,
//!   `GreeterClient`).
//! - [`Greeter`]: the service itself, one method per RPC.
//! - [`reflection`]: gRPC server reflection over the same descriptors, so
//!   grpcurl-style tools (pipecurl) can list and call the service.
//!
//! `src/bin/server.rs` and `src/bin/client.rs` are the two processes.

mod service;

pub use service::Greeter;

/// The generated messages, server and client of `greeter.v1`.
pub mod pb {
    tonic::include_proto!("greeter.v1");

    /// The encoded descriptors of `greeter.proto`, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));
}

/// The address both binaries use unless told otherwise: a bare name, which
/// is the pipe `\\.\pipe\greeter-example` on Windows and a socket only this
/// user can reach on Unix.
pub const DEFAULT_ADDRESS: &str = "greeter-example";

/// The gRPC reflection service (v1) for the greeter.
///
/// # Errors
///
/// The descriptor set could not be decoded (a broken build).
pub fn reflection() -> Result<
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::Error,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .build_v1()
}
