//! `describe`: services, methods, messages and enums as `.proto`-like text,
//! the way grpcurl prints them.
//!
//! Type names are written fully qualified with a leading dot
//! (`.piperpc.demo.v1.EchoRequest`) so a reader never has to guess the
//! scope, streaming methods say `stream` on the streaming side, and the
//! comments of the `.proto` source come along when the descriptors carry
//! them (protox and `protoc --include_source_info` keep them; reflection
//! passes them on).

use prost_reflect::{
    Cardinality, EnumDescriptor, EnumValueDescriptor, ExtensionDescriptor, FieldDescriptor,
    FileDescriptor, Kind, MessageDescriptor, MethodDescriptor, OneofDescriptor, ServiceDescriptor,
    Syntax,
};

use crate::schema::Symbol;

/// `NAME is a KIND:` and the symbol's definition.
pub(crate) fn describe(name: &str, symbol: &Symbol) -> String {
    let name = name.strip_prefix('.').unwrap_or(name);
    format!("{name} is {}:\n{}", symbol.kind(), definition(symbol))
}

/// The symbol's definition alone, as in a `.proto` file.
pub(crate) fn definition(symbol: &Symbol) -> String {
    let mut w = Writer::default();
    match symbol {
        Symbol::Service(service) => w.service(service),
        Symbol::Method(method) => w.method(method),
        Symbol::Message(message) => w.message(message),
        Symbol::Enum(enumeration) => w.enumeration(enumeration),
        Symbol::EnumValue(value) => w.enum_value(value),
        Symbol::Field(field) => w.field(field),
        Symbol::Oneof(oneof) => w.oneof(oneof),
        Symbol::Extension(extension) => w.extension(extension),
    }
    w.out
}

/// Indented `.proto` text being written.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn open(&mut self, text: &str) {
        self.line(&format!("{text} {{"));
        self.depth += 1;
    }

    fn close(&mut self) {
        self.depth -= 1;
        self.line("}");
    }

    /// The element's leading comments from the source, as `//` lines.
    fn comments(&mut self, file: &FileDescriptor, path: &[i32]) {
        let Some(info) = &file.file_descriptor_proto().source_code_info else {
            return;
        };
        let Some(text) = info
            .location
            .iter()
            .find(|location| location.path == path)
            .and_then(|location| location.leading_comments.as_deref())
        else {
            return;
        };
        for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
            self.line(&format!("//{}", line.trim_end()));
        }
    }

    fn service(&mut self, service: &ServiceDescriptor) {
        self.comments(&service.parent_file(), service.path());
        self.open(&format!("service {}", service.name()));
        for method in service.methods() {
            self.method(&method);
        }
        self.close();
    }

    fn method(&mut self, method: &MethodDescriptor) {
        self.comments(&method.parent_file(), method.path());
        let stream = |yes: bool| if yes { "stream " } else { "" };
        self.line(&format!(
            "rpc {} ( {}.{} ) returns ( {}.{} );",
            method.name(),
            stream(method.is_client_streaming()),
            method.input().full_name(),
            stream(method.is_server_streaming()),
            method.output().full_name(),
        ));
    }

    fn message(&mut self, message: &MessageDescriptor) {
        self.comments(&message.parent_file(), message.path());
        self.open(&format!("message {}", message.name()));
        for nested in message.child_messages().filter(|m| !m.is_map_entry()) {
            self.message(&nested);
        }
        for nested in message.child_enums() {
            self.enumeration(&nested);
        }
        let mut oneofs_done: Vec<OneofDescriptor> = Vec::new();
        for field in message.fields() {
            match field.containing_oneof().filter(|o| !o.is_synthetic()) {
                Some(oneof) if oneofs_done.contains(&oneof) => {}
                Some(oneof) => {
                    self.oneof(&oneof);
                    oneofs_done.push(oneof);
                }
                None => self.field(&field),
            }
        }
        self.close();
    }

    fn oneof(&mut self, oneof: &OneofDescriptor) {
        self.comments(&oneof.parent_file(), oneof.path());
        self.open(&format!("oneof {}", oneof.name()));
        for field in oneof.fields() {
            self.field(&field);
        }
        self.close();
    }

    fn field(&mut self, field: &FieldDescriptor) {
        self.comments(&field.parent_file(), field.path());
        let label = if field.containing_oneof().is_some_and(|o| !o.is_synthetic()) {
            ""
        } else {
            label(
                field.cardinality(),
                field.field_descriptor_proto().proto3_optional(),
                field.parent_file().syntax(),
            )
        };
        let type_name = match field.kind() {
            Kind::Message(entry) if field.is_map() => format!(
                "map<{}, {}>",
                type_name(&entry.map_entry_key_field().kind()),
                type_name(&entry.map_entry_value_field().kind())
            ),
            kind => format!("{label}{}", type_name(&kind)),
        };
        let default = default_option(
            field.field_descriptor_proto().default_value.as_deref(),
            &field.kind(),
        );
        self.line(&format!(
            "{type_name} {} = {}{default};",
            field.name(),
            field.number()
        ));
    }

    fn extension(&mut self, extension: &ExtensionDescriptor) {
        self.comments(&extension.parent_file(), extension.path());
        self.open(&format!(
            "extend .{}",
            extension.containing_message().full_name()
        ));
        let label = label(
            extension.cardinality(),
            extension.field_descriptor_proto().proto3_optional(),
            extension.parent_file().syntax(),
        );
        self.line(&format!(
            "{label}{} {} = {};",
            type_name(&extension.kind()),
            extension.name(),
            extension.number()
        ));
        self.close();
    }

    fn enumeration(&mut self, enumeration: &EnumDescriptor) {
        self.comments(&enumeration.parent_file(), enumeration.path());
        self.open(&format!("enum {}", enumeration.name()));
        for value in enumeration.values() {
            self.enum_value(&value);
        }
        self.close();
    }

    fn enum_value(&mut self, value: &EnumValueDescriptor) {
        self.comments(&value.parent_file(), value.path());
        self.line(&format!("{} = {};", value.name(), value.number()));
    }
}

/// `repeated `, `optional `, `required ` or nothing.
fn label(cardinality: Cardinality, proto3_optional: bool, syntax: Syntax) -> &'static str {
    match cardinality {
        Cardinality::Repeated => "repeated ",
        Cardinality::Required => "required ",
        Cardinality::Optional if proto3_optional || syntax == Syntax::Proto2 => "optional ",
        Cardinality::Optional => "",
    }
}

/// The `.proto` spelling of a field type.
fn type_name(kind: &Kind) -> String {
    let name = match kind {
        Kind::Message(message) => return format!(".{}", message.full_name()),
        Kind::Enum(enumeration) => return format!(".{}", enumeration.full_name()),
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
    };
    name.to_string()
}

/// ` [default = ...]` for a proto2 field that declares one.
fn default_option(value: Option<&str>, kind: &Kind) -> String {
    match (value, kind) {
        (None, _) => String::new(),
        (Some(value), Kind::String | Kind::Bytes) => {
            format!(" [default = \"{}\"]", value.escape_default())
        }
        (Some(value), _) => format!(" [default = {value}]"),
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    use super::*;
    use crate::schema::symbol::find;

    fn describe_name(name: &str) -> String {
        let pool = DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap();
        describe(name, &find(&pool, name).unwrap())
    }

    #[test]
    fn a_service_with_streaming_kinds_and_comments() {
        let text = describe_name("piperpc.demo.v1.Echo");
        assert!(
            text.starts_with("piperpc.demo.v1.Echo is a service:\n"),
            "{text}"
        );
        assert!(
            text.contains("// Echo exercises the four RPC kinds of gRPC.\nservice Echo {\n"),
            "{text}"
        );
        for line in [
            "  rpc Echo ( .piperpc.demo.v1.EchoRequest ) returns ( .piperpc.demo.v1.EchoResponse );",
            "  rpc Count ( .piperpc.demo.v1.CountRequest ) returns ( stream .piperpc.demo.v1.CountResponse );",
            "  rpc Collect ( stream .piperpc.demo.v1.CollectRequest ) returns ( .piperpc.demo.v1.CollectResponse );",
            "  rpc Chat ( stream .piperpc.demo.v1.ChatRequest ) returns ( stream .piperpc.demo.v1.ChatResponse );",
            "  // Unary: returns the message and payload it was sent.",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(text.ends_with("}\n"), "{text}");
    }

    #[test]
    fn a_message_with_a_map_and_a_nested_enum() {
        let text = describe_name("piperpc.demo.v1.EchoResponse");
        assert!(
            text.contains("  map<string, string> metadata = 3;\n"),
            "{text}"
        );
        assert!(text.contains("  uint32 peer_pid = 4;\n"), "{text}");

        let text = describe_name("piperpc.demo.v1.WatchEvent");
        assert!(
            text.contains("  enum Kind {\n    KIND_UNSPECIFIED = 0;\n"),
            "{text}"
        );
        assert!(
            text.contains("  .piperpc.demo.v1.WatchEvent.Kind kind = 1;\n"),
            "{text}"
        );
        assert!(!text.contains("MetadataEntry"), "{text}");
    }

    #[test]
    fn members() {
        assert_eq!(
            describe_name("piperpc.demo.v1.Echo.Count"),
            "piperpc.demo.v1.Echo.Count is a method:\n\
             // Server streaming: sends `count` numbered messages.\n\
             rpc Count ( .piperpc.demo.v1.CountRequest ) returns ( stream .piperpc.demo.v1.CountResponse );\n"
        );
        assert_eq!(
            describe_name("piperpc.demo.v1.WatchEvent.Kind.KIND_PUT"),
            "piperpc.demo.v1.WatchEvent.Kind.KIND_PUT is an enum value:\nKIND_PUT = 1;\n"
        );
        assert!(
            describe_name("piperpc.demo.v1.EchoRequest.payload").ends_with("bytes payload = 2;\n")
        );
    }
}
