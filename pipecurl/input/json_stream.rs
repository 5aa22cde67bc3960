//! A sequence of JSON objects, parsed one at a time as input arrives.
//!
//! grpcurl takes streaming request data as JSON objects one after another
//! (`{"a":1} {"a":2}`, or one per line). Each object is turned into a
//! message the moment its closing brace is read, without looking further:
//! a bidi call typed line by line gets each answer before the next line.
//!
//! One serde_json deserializer runs over the whole input, so the line and
//! column in an error count from the start of the data, whichever message
//! is wrong. Between messages, `Deserializer::end` skips whitespace and
//! reports whether anything follows, keeping that next byte for the parse
//! of the following message.

use std::io::Read;

use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor};
use serde_json::de::IoRead;

use super::InputError;

/// The messages of a JSON stream, in order; ends at the end of input or
/// after the first error.
pub(crate) struct JsonStream<R: Read> {
    deserializer: serde_json::Deserializer<IoRead<R>>,
    descriptor: MessageDescriptor,
    options: DeserializeOptions,
    parsed: usize,
    done: bool,
}

impl<R: Read> JsonStream<R> {
    /// Parses `descriptor` messages from `reader`.
    pub(crate) fn new(
        reader: R,
        descriptor: MessageDescriptor,
        allow_unknown_fields: bool,
    ) -> Self {
        JsonStream {
            deserializer: serde_json::Deserializer::from_reader(reader),
            descriptor,
            options: DeserializeOptions::new().deny_unknown_fields(!allow_unknown_fields),
            parsed: 0,
            done: false,
        }
    }
}

impl<R: Read> Iterator for JsonStream<R> {
    type Item = Result<DynamicMessage, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.deserializer.end() {
            Ok(()) => {
                self.done = true;
                return None;
            }
            Err(error) if error.is_io() => {
                self.done = true;
                return Some(Err(InputError::new(format!(
                    "cannot read the request data: {error}"
                ))));
            }
            // "Trailing characters": another message follows.
            Err(_) => {}
        }
        let message = DynamicMessage::deserialize_with_options(
            self.descriptor.clone(),
            &mut self.deserializer,
            &self.options,
        );
        self.parsed += 1;
        Some(message.map_err(|error| {
            self.done = true;
            InputError::new(format!(
                "message {} is not a valid {} in JSON: {error}",
                self.parsed,
                self.descriptor.full_name()
            ))
        }))
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::{DescriptorPool, Value};

    use super::*;

    fn echo_request() -> MessageDescriptor {
        DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET)
            .unwrap()
            .get_message_by_name("piperpc.demo.v1.EchoRequest")
            .unwrap()
    }

    fn parse(text: &str) -> Vec<Result<DynamicMessage, InputError>> {
        JsonStream::new(text.as_bytes(), echo_request(), false).collect()
    }

    fn message_text(message: &DynamicMessage) -> String {
        match message.get_field_by_name("message").unwrap().as_ref() {
            Value::String(text) => text.clone(),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn objects_one_after_another() {
        for text in [
            r#"{"message":"a"}{"message":"b"}"#,
            "{\"message\":\"a\"}\n{\"message\":\"b\"}\n",
            "  \n{\"message\": \"a\"} \t {\n  \"message\": \"b\"\n}  \n\n",
        ] {
            let got: Vec<String> = parse(text)
                .into_iter()
                .map(|m| message_text(&m.unwrap()))
                .collect();
            assert_eq!(got, ["a", "b"], "{text:?}");
        }
    }

    #[test]
    fn empty_input_is_no_message() {
        assert!(parse("").is_empty());
        assert!(parse(" \n\t ").is_empty());
    }

    #[test]
    fn errors_name_the_message_line_and_column() {
        let got = parse("{\"message\":\"a\"}\n{\"message\": 12,\n");
        assert_eq!(got.len(), 2);
        assert_eq!(message_text(got[0].as_ref().unwrap()), "a");
        let error = got[1].as_ref().unwrap_err().to_string();
        assert!(error.starts_with("message 2 is not a valid"), "{error}");
        assert!(error.contains("line 2 column"), "{error}");

        let error = parse("{\"mesage\": \"x\"}")
            .remove(0)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("mesage") && error.contains("line 1 column"),
            "{error}"
        );

        let error = parse("{\"message\": \"x\"")
            .remove(0)
            .unwrap_err()
            .to_string();
        assert!(error.contains("EOF") && error.contains("line 1"), "{error}");
    }

    #[test]
    fn stops_after_the_first_error() {
        let got = parse("{oops} {\"message\":\"b\"}");
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
    }

    #[test]
    fn unknown_fields_can_be_allowed() {
        let mut stream =
            JsonStream::new(&b"{\"x\": 1, \"message\": \"m\"}"[..], echo_request(), true);
        assert_eq!(message_text(&stream.next().unwrap().unwrap()), "m");
        assert!(stream.next().is_none());
    }
}
