//! Looking up a fully-qualified name in a descriptor pool, whatever it
//! names: a service, method, message, enum, field, oneof, enum value or
//! extension.

use prost_reflect::{
    DescriptorPool, EnumDescriptor, EnumValueDescriptor, ExtensionDescriptor, FieldDescriptor,
    MessageDescriptor, MethodDescriptor, OneofDescriptor, ServiceDescriptor,
};

/// Something a fully-qualified name can name.
#[derive(Clone, Debug)]
pub(crate) enum Symbol {
    /// A service.
    Service(ServiceDescriptor),
    /// A method of a service.
    Method(MethodDescriptor),
    /// A message type.
    Message(MessageDescriptor),
    /// An enum type.
    Enum(EnumDescriptor),
    /// A value of an enum, named `Enum.VALUE`.
    EnumValue(EnumValueDescriptor),
    /// A field of a message.
    Field(FieldDescriptor),
    /// A oneof of a message.
    Oneof(OneofDescriptor),
    /// An extension field.
    Extension(ExtensionDescriptor),
}

impl Symbol {
    /// "a service", "a message", ...: how grpcurl's `describe` names it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Symbol::Service(_) => "a service",
            Symbol::Method(_) => "a method",
            Symbol::Message(_) => "a message",
            Symbol::Enum(_) => "an enum",
            Symbol::EnumValue(_) => "an enum value",
            Symbol::Field(_) => "a field",
            Symbol::Oneof(_) => "a one-of",
            Symbol::Extension(_) => "an extension",
        }
    }
}

/// Finds `name` (with or without a leading dot) in `pool`.
pub(crate) fn find(pool: &DescriptorPool, name: &str) -> Option<Symbol> {
    let name = name.strip_prefix('.').unwrap_or(name);
    if let Some(service) = pool.get_service_by_name(name) {
        return Some(Symbol::Service(service));
    }
    if let Some(message) = pool.get_message_by_name(name) {
        return Some(Symbol::Message(message));
    }
    if let Some(enumeration) = pool.get_enum_by_name(name) {
        return Some(Symbol::Enum(enumeration));
    }
    if let Some(extension) = pool.get_extension_by_name(name) {
        return Some(Symbol::Extension(extension));
    }
    let (parent, child) = name.rsplit_once('.')?;
    if let Some(service) = pool.get_service_by_name(parent) {
        return service
            .methods()
            .find(|method| method.name() == child)
            .map(Symbol::Method);
    }
    if let Some(message) = pool.get_message_by_name(parent) {
        if let Some(field) = message.get_field_by_name(child) {
            return Some(Symbol::Field(field));
        }
        return message
            .oneofs()
            .find(|oneof| oneof.name() == child)
            .map(Symbol::Oneof);
    }
    pool.get_enum_by_name(parent)?
        .get_value_by_name(child)
        .map(Symbol::EnumValue)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap()
    }

    #[test]
    fn finds_every_kind() {
        let pool = pool();
        let cases = [
            ("piperpc.demo.v1.Echo", "a service"),
            (".piperpc.demo.v1.Echo", "a service"),
            ("piperpc.demo.v1.Echo.Chat", "a method"),
            ("piperpc.demo.v1.EchoRequest", "a message"),
            ("piperpc.demo.v1.EchoRequest.return_metadata", "a field"),
            ("piperpc.demo.v1.WatchEvent.Kind", "an enum"),
            ("piperpc.demo.v1.WatchEvent.Kind.KIND_PUT", "an enum value"),
        ];
        for (name, kind) in cases {
            let symbol = find(&pool, name).unwrap_or_else(|| panic!("{name} not found"));
            assert_eq!(symbol.kind(), kind, "{name}");
        }
    }

    #[test]
    fn unknown_names_are_none() {
        let pool = pool();
        for name in [
            "",
            "nope",
            "piperpc.demo.v1.Nope",
            "piperpc.demo.v1.Echo.Nope",
            "piperpc.demo.v1.EchoRequest.nope",
        ] {
            assert!(find(&pool, name).is_none(), "{name}");
        }
    }
}
