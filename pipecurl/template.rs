//! `describe --msg-template`: a message with every field filled in, printed
//! as JSON under its description, to edit into request data (as grpcurl's
//! `-msg-template` does).
//!
//! Scalars get their default value, enums their first value, a repeated
//! field one element, a map one entry and a nested message its own
//! template. Of a oneof, only the first field is set (setting another would
//! clear it). A message that contains itself is expanded once on each
//! path: deeper down it stays empty, so the template is finite.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value};

/// The template of `message`.
pub(crate) fn template(message: &MessageDescriptor) -> DynamicMessage {
    fill(message, &mut Vec::new())
}

fn fill(message: &MessageDescriptor, path: &mut Vec<String>) -> DynamicMessage {
    let mut out = DynamicMessage::new(message.clone());
    if path.contains(&message.full_name().to_string()) {
        return out;
    }
    path.push(message.full_name().to_string());
    for field in message.fields() {
        if let Some(oneof) = field.containing_oneof() {
            let first = oneof.fields().next().map(|f| f.number());
            if !oneof.is_synthetic() && first != Some(field.number()) {
                continue;
            }
        }
        out.set_field(&field, value(&field, path));
    }
    path.pop();
    out
}

fn value(field: &FieldDescriptor, path: &mut Vec<String>) -> Value {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return Value::default_value_for_field(field);
        };
        let key = entry.map_entry_key_field();
        let val = entry.map_entry_value_field();
        let key = match Value::default_value_for_field(&key) {
            Value::Bool(b) => MapKey::Bool(b),
            Value::I32(n) => MapKey::I32(n),
            Value::I64(n) => MapKey::I64(n),
            Value::U32(n) => MapKey::U32(n),
            Value::U64(n) => MapKey::U64(n),
            Value::String(s) => MapKey::String(s),
            _ => return Value::default_value_for_field(field),
        };
        let value = single(&val.kind(), path);
        return Value::Map([(key, value)].into_iter().collect());
    }
    if field.is_list() {
        return Value::List(vec![single(&field.kind(), path)]);
    }
    single(&field.kind(), path)
}

fn single(kind: &Kind, path: &mut Vec<String>) -> Value {
    match kind {
        Kind::Message(message) => Value::Message(fill(message, path)),
        other => Value::default_value(other),
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    use super::*;
    use crate::output::to_json;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET).unwrap()
    }

    #[test]
    fn every_field_of_a_flat_message_is_shown() {
        let message = pool()
            .get_message_by_name("piperpc.demo.v1.EchoRequest")
            .unwrap();
        assert_eq!(
            to_json(&template(&message), true).unwrap(),
            "{\n  \"message\": \"\",\n  \"payload\": \"\",\n  \"returnMetadata\": false,\n  \
             \"delayMs\": 0\n}"
        );
    }

    #[test]
    fn maps_get_one_entry_and_nested_messages_their_template() {
        let message = pool()
            .get_message_by_name("piperpc.demo.v1.EchoResponse")
            .unwrap();
        let json = to_json(&template(&message), true).unwrap();
        assert!(
            json.contains("\"metadata\": {\n    \"\": \"\"\n  }"),
            "{json}"
        );
    }

    #[test]
    fn a_message_that_contains_itself_gives_a_finite_template_and_one_oneof_field() {
        let dir = std::env::temp_dir().join(format!("pipecurl-template-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("node.proto"),
            "syntax = \"proto3\";\npackage t;\nmessage Node {\n  string name = 1;\n  \
             Node child = 2;\n  repeated Node children = 3;\n  oneof pick { int32 a = 4; string b = 5; }\n}\n",
        )
        .unwrap();
        let files = protox::compile(["node.proto"], [&dir]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let pool = DescriptorPool::from_file_descriptor_set(files).unwrap();
        let node = pool.get_message_by_name("t.Node").unwrap();
        let json = to_json(&template(&node), true).unwrap();
        assert!(json.contains("\"child\": {\n    \"name\": \"\""), "{json}");
        assert!(json.contains("\"children\": [\n    {"), "{json}");
        assert!(
            json.contains("\"a\": 0") && !json.contains("\"b\""),
            "{json}"
        );
        assert!(json.len() < 2_000, "{json}");
    }
}
