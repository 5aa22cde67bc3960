//! Compiles `proto/` into Rust stubs and an encoded descriptor set.
//!
//! protox parses the .proto files in pure Rust, so no `protoc` is needed
//! and cross-compiling for Windows works the same. The one descriptor set
//! feeds both the code generator and server reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["jobs/v1/jobs.proto"], ["proto"])?;
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    std::fs::write(out_dir.join("descriptor.bin"), descriptors.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
