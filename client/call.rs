//! `piperpc call`: one RPC per command, results printed to stdout.

use clap::Subcommand;
use prost::bytes::Bytes;
use tokio::io::AsyncBufReadExt;
use tonic::Status;
use tonic_health::pb::HealthCheckRequest;

use super::Stubs;
use crate::proto::demo::{
    ChatRequest, CollectRequest, CountRequest, DeleteRequest, EchoRequest, Entry, GetRequest,
    ListRequest, PutRequest, WatchRequest, watch_event::Kind,
};

/// The RPCs `piperpc call` can make.
#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Echo.Echo (unary): send MESSAGE, print the reply.
    Echo {
        /// The text to send.
        message: String,
        /// Also send this many bytes of payload.
        #[arg(long, default_value_t = 0)]
        size: usize,
    },
    /// Echo.Count (server stream): receive N numbered messages.
    Count {
        /// How many messages.
        n: u32,
        /// Payload bytes in each message.
        #[arg(long, default_value_t = 0)]
        size: u32,
        /// Pause between messages, in milliseconds.
        #[arg(long, default_value_t = 0)]
        interval_ms: u32,
    },
    /// Echo.Collect (client stream): send each MESSAGE, print count and bytes.
    Collect {
        /// The messages to send.
        messages: Vec<String>,
    },
    /// Echo.Chat (bidi): send each MESSAGE (or each line of stdin when none
    /// is given), printing answers as they arrive.
    Chat {
        /// The messages to send.
        messages: Vec<String>,
    },
    /// KeyValue.Put: store VALUE under KEY.
    Put {
        /// The key.
        key: String,
        /// The value (UTF-8 text).
        value: String,
    },
    /// KeyValue.Get: print the value under KEY.
    Get {
        /// The key.
        key: String,
    },
    /// KeyValue.Delete: remove KEY.
    Del {
        /// The key.
        key: String,
    },
    /// KeyValue.List (server stream): print entries under PREFIX.
    List {
        /// Key prefix (all keys when omitted).
        #[arg(default_value = "")]
        prefix: String,
    },
    /// KeyValue.Watch (server stream): print changes under PREFIX as they happen.
    Watch {
        /// Key prefix (all keys when omitted).
        #[arg(default_value = "")]
        prefix: String,
        /// Stop after this many changes.
        #[arg(long)]
        max: Option<u64>,
    },
    /// grpc.health.v1.Health/Check for SERVICE ("" = the whole server).
    Health {
        /// Fully qualified service name.
        #[arg(default_value = "")]
        service: String,
    },
}

/// Makes the call `command` describes, printing each result as it arrives.
pub async fn run(stubs: &mut Stubs, command: CallCommand) -> Result<(), Status> {
    match command {
        CallCommand::Echo { message, size } => {
            let payload = Bytes::from(vec![b'x'; size]);
            let reply = stubs
                .echo
                .echo(EchoRequest {
                    message,
                    payload,
                    return_metadata: false,
                    delay_ms: 0,
                })
                .await?
                .into_inner();
            say!("{}", reply.message);
            if !reply.payload.is_empty() {
                say!("({} payload bytes)", reply.payload.len());
            }
        }
        CallCommand::Count {
            n,
            size,
            interval_ms,
        } => {
            let request = CountRequest {
                count: n,
                payload_size: size,
                interval_ms,
            };
            let mut stream = stubs.echo.count(request).await?.into_inner();
            while let Some(message) = stream.message().await? {
                say!("{}", message.number);
            }
        }
        CallCommand::Collect { messages } => {
            let requests = messages
                .into_iter()
                .map(|m| CollectRequest { data: m.into() });
            let reply = stubs
                .echo
                .collect(tokio_stream::iter(requests))
                .await?
                .into_inner();
            say!("count={} total_bytes={}", reply.count, reply.total_bytes);
        }
        CallCommand::Chat { messages } => chat(stubs, messages).await?,
        CallCommand::Put { key, value } => {
            let reply = stubs
                .keyvalue
                .put(PutRequest {
                    key,
                    value: value.into(),
                })
                .await?
                .into_inner();
            let verb = if reply.replaced { "replaced" } else { "stored" };
            if let Some(entry) = reply.entry {
                say!("{verb} {} at revision {}", entry.key, entry.revision);
            }
        }
        CallCommand::Get { key } => {
            let reply = stubs.keyvalue.get(GetRequest { key }).await?.into_inner();
            if let Some(entry) = reply.entry {
                say!("{}", String::from_utf8_lossy(&entry.value));
            }
        }
        CallCommand::Del { key } => {
            let reply = stubs
                .keyvalue
                .delete(DeleteRequest { key })
                .await?
                .into_inner();
            say!("deleted at revision {}", reply.revision);
        }
        CallCommand::List { prefix } => {
            let mut stream = stubs
                .keyvalue
                .list(ListRequest { prefix })
                .await?
                .into_inner();
            while let Some(entry) = stream.message().await? {
                say!("{}", format_entry(&entry));
            }
        }
        CallCommand::Watch { prefix, max } => {
            let mut stream = stubs
                .keyvalue
                .watch(WatchRequest { prefix })
                .await?
                .into_inner();
            let mut seen = 0;
            while max.is_none_or(|max| seen < max) {
                let Some(event) = stream.message().await? else {
                    break;
                };
                seen += 1;
                let kind = match event.kind() {
                    Kind::Put => "put",
                    Kind::Delete => "delete",
                    Kind::Unspecified => "?",
                };
                let entry = event.entry.unwrap_or_default();
                say!(
                    "{kind} {} (revision {})",
                    format_entry(&entry),
                    event.revision
                );
            }
        }
        CallCommand::Health { service } => {
            let reply = stubs
                .health
                .check(HealthCheckRequest { service })
                .await?
                .into_inner();
            say!("{}", reply.status().as_str_name());
        }
    }
    Ok(())
}

/// `key = value`, the value shown as text.
pub fn format_entry(entry: &Entry) -> String {
    format!("{} = {}", entry.key, String::from_utf8_lossy(&entry.value))
}

/// Sends messages from the arguments, or from stdin line by line, and prints
/// each answer as it arrives.
async fn chat(stubs: &mut Stubs, messages: Vec<String>) -> Result<(), Status> {
    let outbound = async_stream::stream! {
        if messages.is_empty() {
            let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            while let Ok(Some(text)) = lines.next_line().await {
                yield ChatRequest { text };
            }
        } else {
            for text in messages {
                yield ChatRequest { text };
            }
        }
    };
    let mut inbound = stubs.echo.chat(outbound).await?.into_inner();
    while let Some(reply) = inbound.message().await? {
        say!("{}", reply.text);
    }
    Ok(())
}
