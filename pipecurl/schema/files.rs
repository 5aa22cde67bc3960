//! The schema from files, for servers without reflection: `.proto` sources
//! parsed here with protox (pure Rust, the same parser `build.rs` uses, so
//! no `protoc` is needed), or protosets (encoded `FileDescriptorSet`s, as
//! `protoc --descriptor_set_out` writes them).

use std::path::{Path, PathBuf};

use prost_reflect::DescriptorPool;

use crate::failure::Failure;

/// Parses `files` (with their imports) found under `import_paths`, or the
/// current directory when none is given, as grpcurl does.
pub(crate) fn from_protos(
    files: &[PathBuf],
    import_paths: &[PathBuf],
) -> Result<DescriptorPool, Failure> {
    let import_paths = if import_paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        import_paths.to_vec()
    };
    let parsed = protox::Compiler::new(&import_paths)
        .and_then(|mut compiler| {
            compiler
                .include_imports(true)
                .include_source_info(true)
                .open_files(files)?;
            Ok(compiler.descriptor_pool())
        })
        .map_err(|e| {
            Failure::Schema(format!(
                "Failed to process proto source files: {e} (import paths: {})",
                list(&import_paths)
            ))
        })?;
    Ok(parsed)
}

/// Decodes every protoset in `files` into one pool. The well-known types
/// are there from the start, so a protoset written without its imports
/// still works when those are all it lacks.
pub(crate) fn from_protosets(files: &[PathBuf]) -> Result<DescriptorPool, Failure> {
    let mut pool = DescriptorPool::global();
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| {
            Failure::Schema(format!("Failed to read protoset {}: {e}", file.display()))
        })?;
        pool.decode_file_descriptor_set(bytes.as_slice())
            .map_err(|e| {
                Failure::Schema(format!(
                    "Failed to process protoset {}: {e}",
                    file.display()
                ))
            })?;
    }
    Ok(pool)
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| Path::display(p).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto")
    }

    #[test]
    fn parses_protos_with_imports() {
        let pool = from_protos(
            &[PathBuf::from("piperpc/demo/v1/keyvalue.proto")],
            &[proto_dir()],
        )
        .unwrap();
        let service = pool
            .get_service_by_name("piperpc.demo.v1.KeyValue")
            .unwrap();
        assert_eq!(service.methods().len(), 5);
    }

    #[test]
    fn a_missing_file_names_itself() {
        let error = from_protos(&[PathBuf::from("nope.proto")], &[proto_dir()]).unwrap_err();
        assert!(matches!(error, Failure::Schema(_)));
        assert!(error.to_string().contains("nope.proto"), "{error}");
    }

    #[test]
    fn reads_protosets() {
        let path = std::env::temp_dir().join(format!("pipecurl-{}.protoset", std::process::id()));
        std::fs::write(&path, piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap();
        let pool = from_protosets(std::slice::from_ref(&path));
        std::fs::remove_file(&path).unwrap();
        assert!(
            pool.unwrap()
                .get_service_by_name("piperpc.demo.v1.Echo")
                .is_some()
        );

        let error = from_protosets(&[PathBuf::from("/no/such.protoset")]).unwrap_err();
        assert!(error.to_string().contains("/no/such.protoset"), "{error}");
    }
}
