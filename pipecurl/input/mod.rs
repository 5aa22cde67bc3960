//! Request messages from `-d`: inline, or read from stdin as it arrives.
//!
//! Parsing runs on a thread of its own, because reading a terminal blocks,
//! and hands each message over a channel the moment it is complete. The
//! caller decides whether to wait for all of them before calling (every
//! method whose data can be read in full first, so bad data is caught
//! before anything is sent) or to stream them as they come (a client- or
//! bidi-streaming method fed from stdin).
//!
//! - [`json_stream`]: JSON objects one after another.
//! - [`text_stream`]: protobuf text format, separated by 0x1E.

pub(crate) mod json_stream;
pub(crate) mod text_stream;

use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor};

use prost_reflect::{DynamicMessage, MessageDescriptor};
use tokio::sync::mpsc;

use crate::args::{Data, Format};
use crate::failure::Failure;
use json_stream::JsonStream;
use text_stream::TextStream;

/// Request data that is not a valid message; says which message and,
/// for JSON, where.
#[derive(Debug)]
pub(crate) struct InputError(String);

impl InputError {
    fn new(message: String) -> InputError {
        InputError(message)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Failure {
        Failure::Input(error.0)
    }
}

/// One parsed request message, or why the data is not one.
pub(crate) type Parsed = Result<DynamicMessage, InputError>;

/// How to read request data.
#[derive(Clone, Debug)]
pub(crate) struct InputSpec {
    /// `-d`, if given.
    pub data: Option<Data>,
    /// `--format`.
    pub format: Format,
    /// `--allow-unknown-fields`.
    pub allow_unknown_fields: bool,
}

/// Starts parsing `descriptor` messages on a thread of its own; they arrive
/// on the returned channel in order, ending after the last one or the first
/// error.
pub(crate) fn spawn(
    spec: &InputSpec,
    descriptor: MessageDescriptor,
) -> Result<mpsc::Receiver<Parsed>, Failure> {
    let reader: Box<dyn BufRead + Send> = match &spec.data {
        None => Box::new(io::empty()),
        Some(Data::Inline(text)) => Box::new(Cursor::new(text.clone().into_bytes())),
        Some(Data::Stdin) => Box::new(BufReader::new(io::stdin())),
    };
    let messages: Box<dyn Iterator<Item = Parsed> + Send> = match spec.format {
        Format::Json => Box::new(JsonStream::new(
            reader,
            descriptor,
            spec.allow_unknown_fields,
        )),
        Format::Text => Box::new(TextStream::new(reader, descriptor)),
    };
    let (sender, receiver) = mpsc::channel(1);
    // A plain thread, not the runtime's blocking pool: a read of stdin that
    // never returns must not keep the process from exiting.
    std::thread::Builder::new()
        .name("pipecurl-input".into())
        .spawn(move || {
            for parsed in messages {
                if sender.blocking_send(parsed).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| Failure::Input(format!("cannot start reading the request data: {e}")))?;
    Ok(receiver)
}

/// Every message of the data, or the first error in it.
pub(crate) async fn collect(
    mut messages: mpsc::Receiver<Parsed>,
) -> Result<Vec<DynamicMessage>, Failure> {
    let mut all = Vec::new();
    while let Some(parsed) = messages.recv().await {
        all.push(parsed?);
    }
    Ok(all)
}
