//! Compiles grpc's interop protos (`proto/grpc/testing/`) into Rust stubs.
//!
//! protox parses them in pure Rust, so no `protoc` is needed, and the
//! Windows cross-build works the same.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["grpc/testing/test.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
