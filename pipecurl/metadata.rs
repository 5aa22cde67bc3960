//! Request metadata from `-H 'name: value'`, and printing metadata for `-v`.
//!
//! As in grpcurl, a name ending in `-bin` carries binary data, written in
//! base64 (tonic encodes it again on the wire); any other value is sent as
//! written, less the whitespace after the colon.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use tonic::metadata::{
    AsciiMetadataKey, AsciiMetadataValue, BinaryMetadataKey, BinaryMetadataValue, KeyAndValueRef,
    MetadataMap,
};

use crate::failure::Failure;

/// Parses every `-H` argument into one map, in order.
pub(crate) fn parse_all(headers: &[String]) -> Result<MetadataMap, Failure> {
    let mut map = MetadataMap::new();
    for header in headers {
        add(&mut map, header).map_err(|why| Failure::Usage(format!("bad -H '{header}': {why}")))?;
    }
    Ok(map)
}

fn add(map: &mut MetadataMap, header: &str) -> Result<(), String> {
    let (name, value) = header.split_once(':').ok_or("write it as 'name: value'")?;
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim_start();
    if name.ends_with("-bin") {
        let key = BinaryMetadataKey::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid metadata name"))?;
        let bytes = STANDARD
            .decode(value)
            .or_else(|_| STANDARD_NO_PAD.decode(value))
            .map_err(|_| format!("the value of `{name}` must be base64"))?;
        map.append_bin(key, BinaryMetadataValue::from_bytes(&bytes));
    } else {
        let key = AsciiMetadataKey::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid metadata name"))?;
        // gRPC allows printable ASCII only; HTTP would let more through.
        let value = Some(value)
            .filter(|v| v.bytes().all(|b| (b' '..=b'~').contains(&b)))
            .and_then(|v| AsciiMetadataValue::try_from(v).ok())
            .ok_or_else(|| format!("the value of `{name}` must be printable ASCII"))?;
        map.append(key, value);
    }
    Ok(())
}

/// `name: value` lines sorted by name, binary values in base64, or
/// `(empty)`, as grpcurl prints them. gRPC's own status entries are left
/// out: the status is reported on its own.
pub(crate) fn render(map: &MetadataMap) -> String {
    let mut lines: Vec<String> = map
        .iter()
        .filter_map(|entry| match entry {
            KeyAndValueRef::Ascii(key, value) => {
                if matches!(key.as_str(), "grpc-status" | "grpc-message") {
                    return None;
                }
                let value = value.to_str().unwrap_or("<not printable>");
                Some(format!("{key}: {value}"))
            }
            KeyAndValueRef::Binary(key, value) => {
                let bytes = value.to_bytes().unwrap_or_default();
                Some(format!("{key}: {}", STANDARD.encode(bytes)))
            }
        })
        .collect();
    if lines.is_empty() {
        return "(empty)\n".to_string();
    }
    lines.sort();
    lines.iter().fold(String::new(), |mut out, line| {
        let _ = writeln!(out, "{line}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Result<MetadataMap, Failure> {
        parse_all(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn names_are_lowercased_and_values_trimmed() {
        let map = headers(&["X-Trace:  abc def", "x-trace:second", "x-data-bin: AAEC"]).unwrap();
        let traces: Vec<_> = map.get_all("x-trace").iter().collect();
        assert_eq!(traces, ["abc def", "second"]);
        let data = map.get_bin("x-data-bin").unwrap().to_bytes().unwrap();
        assert_eq!(&data[..], &[0, 1, 2]);
        assert_eq!(
            render(&map),
            "x-data-bin: AAEC\nx-trace: abc def\nx-trace: second\n"
        );
    }

    #[test]
    fn bad_headers_are_usage_errors() {
        for bad in [
            "no-colon",
            "bad name: v",
            "x-bin: not base64!",
            "x: caf\u{e9}",
        ] {
            let error = headers(&[bad]).unwrap_err();
            assert!(matches!(error, Failure::Usage(_)), "{bad}: {error:?}");
            assert!(error.to_string().contains(bad), "{error}");
        }
    }

    #[test]
    fn empty_metadata_renders_as_grpcurl_does() {
        assert_eq!(render(&MetadataMap::new()), "(empty)\n");
    }
}
