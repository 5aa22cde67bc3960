//! Rust stubs generated from the `.proto` files beside this one.

/// `piperpc.demo.v1`: the Echo and KeyValue demo services.
pub mod demo {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("piperpc.demo.v1");
}

/// The encoded `FileDescriptorSet` of every file in `proto/`, for server
/// reflection and for tools that need the schema.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));
