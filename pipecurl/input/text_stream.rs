//! A sequence of protobuf text-format messages, as grpcurl's `-format text`
//! takes them: separated by the ASCII record separator (0x1E), each parsed
//! as soon as its separator (or the end of input) is read.

use std::io::BufRead;

use prost_reflect::{DynamicMessage, MessageDescriptor};

use super::InputError;

/// Separates messages in text format.
pub(crate) const RECORD_SEPARATOR: u8 = 0x1e;

/// The messages of a text-format stream, in order; ends at the end of
/// input or after the first error.
pub(crate) struct TextStream<R: BufRead> {
    reader: R,
    descriptor: MessageDescriptor,
    parsed: usize,
    done: bool,
}

impl<R: BufRead> TextStream<R> {
    /// Parses `descriptor` messages from `reader`.
    pub(crate) fn new(reader: R, descriptor: MessageDescriptor) -> Self {
        TextStream {
            reader,
            descriptor,
            parsed: 0,
            done: false,
        }
    }

    fn fail(&mut self, message: String) -> Option<Result<DynamicMessage, InputError>> {
        self.done = true;
        Some(Err(InputError::new(message)))
    }
}

impl<R: BufRead> Iterator for TextStream<R> {
    type Item = Result<DynamicMessage, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut record = Vec::new();
        if let Err(error) = self.reader.read_until(RECORD_SEPARATOR, &mut record) {
            return self.fail(format!("cannot read the request data: {error}"));
        }
        let at_end = record.last() != Some(&RECORD_SEPARATOR);
        if !at_end {
            record.pop();
        }
        self.parsed += 1;
        let Ok(text) = String::from_utf8(record) else {
            return self.fail(format!("message {} is not UTF-8", self.parsed));
        };
        if text.trim().is_empty() && at_end {
            // Nothing after the last separator.
            self.done = true;
            return None;
        }
        match DynamicMessage::parse_text_format(self.descriptor.clone(), &text) {
            Ok(message) => Some(Ok(message)),
            Err(error) => self.fail(format!(
                "message {} is not a valid {} in text format: {error}",
                self.parsed,
                self.descriptor.full_name()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use prost_reflect::DescriptorPool;

    use super::*;

    fn parse(text: &str) -> Vec<Result<DynamicMessage, InputError>> {
        let descriptor = DescriptorPool::decode(piperpc_demo::proto::FILE_DESCRIPTOR_SET)
            .unwrap()
            .get_message_by_name("piperpc.demo.v1.ChatRequest")
            .unwrap();
        TextStream::new(text.as_bytes(), descriptor).collect()
    }

    #[test]
    fn records_split_on_the_separator() {
        let got = parse("text: \"a\"\n\u{1e}text: \"b\"\n");
        let texts: Vec<String> = got
            .into_iter()
            .map(|m| m.unwrap().to_text_format())
            .collect();
        assert_eq!(texts, ["text:\"a\"", "text:\"b\""]);
        assert!(parse("").is_empty());
        assert_eq!(parse("text: \"a\"\u{1e}\n").len(), 1);
    }

    #[test]
    fn errors_name_the_message() {
        let got = parse("text: \"a\"\u{1e}txt: \"b\"\u{1e}text: \"c\"");
        assert_eq!(got.len(), 2);
        let error = got[1].as_ref().unwrap_err().to_string();
        assert!(error.starts_with("message 2 is not a valid"), "{error}");
        assert!(error.contains("txt"), "{error}");
    }
}
