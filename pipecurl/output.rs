//! Printing to stdout: response messages as they arrive, and the extra
//! sections of `-v`.
//!
//! Messages are proto3 JSON (the canonical mapping: lowerCamelCase names,
//! 64-bit integers as strings, bytes as base64), pretty-printed with two
//! spaces as grpcurl does, or protobuf text format, where messages are
//! separated by a 0x1E line so the output can be fed back as input. stdout
//! is flushed after every message, so a stream can be watched live.

use std::io::{self, Write};

use prost_reflect::text_format::FormatOptions;
use prost_reflect::{DynamicMessage, SerializeOptions};
use tonic::metadata::MetadataMap;

use crate::args::Format;
use crate::input::text_stream::RECORD_SEPARATOR;
use crate::metadata;

/// Writes results to stdout.
pub(crate) struct Printer {
    format: Format,
    emit_defaults: bool,
    messages: usize,
    out: io::Stdout,
}

impl Printer {
    /// A printer for `format`, printing default-valued fields when
    /// `emit_defaults`.
    pub(crate) fn new(format: Format, emit_defaults: bool) -> Printer {
        Printer {
            format,
            emit_defaults,
            messages: 0,
            out: io::stdout(),
        }
    }

    /// One message, in the chosen format.
    pub(crate) fn message(&mut self, message: &DynamicMessage) -> io::Result<()> {
        let text = match self.format {
            Format::Json => to_json(message, self.emit_defaults)?,
            Format::Text => {
                let options = FormatOptions::new()
                    .pretty(true)
                    .skip_default_fields(!self.emit_defaults);
                let text = message.to_text_format_with_options(&options);
                if self.messages > 0 {
                    format!("{}\n{text}", RECORD_SEPARATOR as char)
                } else {
                    text
                }
            }
        };
        self.messages += 1;
        self.text(&text)
    }

    /// A `-v` section: a blank line, its title, then its lines.
    pub(crate) fn section(&mut self, title: &str, body: &str) -> io::Result<()> {
        self.text(&format!("\n{title}\n{}", body.trim_end_matches('\n')))
    }

    /// A `-v` metadata section, as grpcurl prints it.
    pub(crate) fn metadata(&mut self, title: &str, map: &MetadataMap) -> io::Result<()> {
        self.section(title, &metadata::render(map))
    }

    /// `text` and a line break, flushed.
    pub(crate) fn text(&mut self, text: &str) -> io::Result<()> {
        let mut out = self.out.lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}

/// `message` as pretty-printed proto3 JSON.
pub(crate) fn to_json(message: &DynamicMessage, emit_defaults: bool) -> io::Result<String> {
    let options = SerializeOptions::new().skip_default_fields(!emit_defaults);
    let mut buffer = Vec::new();
    let mut serializer = serde_json::Serializer::pretty(&mut buffer);
    message
        .serialize_with_options(&mut serializer, &options)
        .map_err(io::Error::other)?;
    String::from_utf8(buffer).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use prost_reflect::{DescriptorPool, ReflectMessage, Value};

    use super::*;

    #[test]
    fn canonical_pretty_json() {
        let pool = DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap();
        let descriptor = pool.get_message_by_name("piperpc.demo.v1.Entry").unwrap();
        let mut entry = DynamicMessage::new(descriptor);
        entry.set_field_by_name("key", Value::String("k".into()));
        entry.set_field_by_name("value", Value::Bytes(b"hi".to_vec().into()));
        entry.set_field_by_name("revision", Value::U64(7));
        assert_eq!(
            to_json(&entry, false).unwrap(),
            "{\n  \"key\": \"k\",\n  \"value\": \"aGk=\",\n  \"revision\": \"7\"\n}"
        );
        let empty = DynamicMessage::new(entry.descriptor());
        assert_eq!(to_json(&empty, false).unwrap(), "{}");
        assert_eq!(
            to_json(&empty, true).unwrap(),
            "{\n  \"key\": \"\",\n  \"value\": \"\",\n  \"revision\": \"0\"\n}"
        );
    }
}
