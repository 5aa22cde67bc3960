//! What the server sent back: each frame as an [`Event`], and the sum of
//! them as an [`Answer`], which every attack's report carries.
//!
//! An attack's bounds are read from here, never from a clock: the GOAWAY
//! and its reason, the streams reset and why, the connection's end.

use std::fmt;

use crate::frame::{Reason, setting};

/// One thing the server did, as the reader saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// SETTINGS, or the ACK of ours.
    Settings {
        /// Whether it is an acknowledgement.
        ack: bool,
        /// Its (identifier, value) pairs.
        values: Vec<(u16, u32)>,
    },
    /// PING, or the ACK of ours.
    Ping {
        /// Whether it is an acknowledgement.
        ack: bool,
        /// Its 8 bytes.
        payload: [u8; 8],
    },
    /// GOAWAY.
    GoAway(GoAway),
    /// RST_STREAM.
    Reset {
        /// The stream reset.
        stream: u32,
        /// Why.
        reason: Reason,
    },
    /// A complete header block (HEADERS and its CONTINUATIONs), decoded.
    Headers(Response),
    /// DATA (its bytes are counted, not kept).
    Data {
        /// The stream.
        stream: u32,
        /// Payload length, padding included.
        len: usize,
        /// Whether END_STREAM was set.
        end_stream: bool,
    },
    /// WINDOW_UPDATE.
    WindowUpdate {
        /// The stream (0: the connection).
        stream: u32,
        /// The credit given.
        increment: u32,
    },
    /// A frame of another type (PRIORITY, PUSH_PROMISE, unknown types).
    Other {
        /// Its type.
        kind: u8,
        /// Its stream.
        stream: u32,
    },
    /// The server's header block could not be decoded (this crate's
    /// decoder failed; the server may still be right).
    Undecodable {
        /// The stream.
        stream: u32,
    },
    /// The connection ended: nothing more will be read.
    Closed(Ending),
}

/// How the connection ended, as the reader saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The server closed it cleanly between frames.
    Eof,
    /// The server closed it in the middle of a frame.
    EofMidFrame,
    /// Reading failed: a reset, a broken pipe, a TLS alert.
    Error(String),
}

/// A GOAWAY frame.
#[derive(Clone, PartialEq, Eq)]
pub struct GoAway {
    /// The last stream the server may have processed.
    pub last_stream: u32,
    /// The error code.
    pub reason: Reason,
    /// The debug data (h2 names its abuse limits here:
    /// `too_many_continuations`, `header_list_way_too_large`, ...).
    pub debug: Vec<u8>,
}

impl GoAway {
    /// The debug data as text (lossy).
    pub fn debug_text(&self) -> String {
        String::from_utf8_lossy(&self.debug).into_owned()
    }
}

impl fmt::Debug for GoAway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GOAWAY {} {:?} (last stream {})",
            self.reason,
            self.debug_text(),
            self.last_stream
        )
    }
}

/// A header block the server sent: response headers or trailers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The stream.
    pub stream: u32,
    /// Whether END_STREAM was set (trailers, or a trailers-only response).
    pub end_stream: bool,
    /// The decoded fields, in order (lossy UTF-8).
    pub fields: Vec<(String, String)>,
}

impl Response {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Everything the server sent on one connection, summed up.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// Frames read.
    pub frames: u64,
    /// The values of the server's first (non-ACK) SETTINGS frame.
    pub server_settings: Option<Vec<(u16, u32)>>,
    /// SETTINGS frames the server sent after its first, ACKs excluded.
    pub more_settings: u64,
    /// ACKs of our SETTINGS.
    pub settings_acks: u64,
    /// PINGs the server sent (keepalive).
    pub pings: u64,
    /// ACKs of our PINGs, by payload, in order.
    pub ping_acks: Vec<[u8; 8]>,
    /// The first GOAWAY.
    pub goaway: Option<GoAway>,
    /// GOAWAYs after the first (a graceful shutdown sends two).
    pub more_goaways: Vec<GoAway>,
    /// RST_STREAMs, in order.
    pub resets: Vec<(u32, Reason)>,
    /// Header blocks (responses, trailers), in order.
    pub responses: Vec<Response>,
    /// DATA frames and their payload bytes.
    pub data_frames: u64,
    /// Payload bytes of those DATA frames.
    pub data_bytes: u64,
    /// WINDOW_UPDATE frames.
    pub window_updates: u64,
    /// Header blocks this crate could not decode.
    pub undecodable: u64,
    /// How the connection ended, once it has.
    pub closed: Option<Ending>,
}

impl Answer {
    /// Adds `event`.
    pub fn record(&mut self, event: &Event) {
        if !matches!(event, Event::Closed(_)) {
            self.frames += 1;
        }
        match event {
            Event::Settings { ack: true, .. } => self.settings_acks += 1,
            Event::Settings { values, .. } => {
                if self.server_settings.is_none() {
                    self.server_settings = Some(values.clone());
                } else {
                    self.more_settings += 1;
                }
            }
            Event::Ping { ack: true, payload } => self.ping_acks.push(*payload),
            Event::Ping { .. } => self.pings += 1,
            Event::GoAway(goaway) => {
                if self.goaway.is_none() {
                    self.goaway = Some(goaway.clone());
                } else {
                    self.more_goaways.push(goaway.clone());
                }
            }
            Event::Reset { stream, reason } => self.resets.push((*stream, *reason)),
            Event::Headers(response) => self.responses.push(response.clone()),
            Event::Data { len, .. } => {
                self.data_frames += 1;
                self.data_bytes += *len as u64;
            }
            Event::WindowUpdate { .. } => self.window_updates += 1,
            Event::Other { .. } => {}
            Event::Undecodable { .. } => self.undecodable += 1,
            Event::Closed(ending) => self.closed = Some(ending.clone()),
        }
    }

    /// Whether the connection has ended, by GOAWAY or by closing.
    pub fn ended(&self) -> bool {
        self.goaway.is_some() || self.closed.is_some()
    }

    /// The reason of the first GOAWAY, if any.
    pub fn goaway_reason(&self) -> Option<Reason> {
        self.goaway.as_ref().map(|goaway| goaway.reason)
    }

    /// Whether the server sent GOAWAY ENHANCE_YOUR_CALM with `debug` as
    /// its debug data (any debug data if `debug` is empty).
    pub fn calmed(&self, debug: &str) -> bool {
        self.goaway.as_ref().is_some_and(|goaway| {
            goaway.reason == Reason::ENHANCE_YOUR_CALM
                && (debug.is_empty() || goaway.debug == debug.as_bytes())
        })
    }

    /// Streams reset with REFUSED_STREAM.
    pub fn refused(&self) -> usize {
        self.resets
            .iter()
            .filter(|(_, reason)| *reason == Reason::REFUSED_STREAM)
            .count()
    }

    /// The value the server gave `id` in its first SETTINGS, if it named it.
    pub fn server_setting(&self, id: u16) -> Option<u32> {
        self.server_settings
            .as_ref()?
            .iter()
            .rev()
            .find(|(setting, _)| *setting == id)
            .map(|(_, value)| *value)
    }

    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS, if it announced one.
    pub fn max_concurrent_streams(&self) -> Option<u32> {
        self.server_setting(setting::MAX_CONCURRENT_STREAMS)
    }

    /// The server's SETTINGS_MAX_FRAME_SIZE (16384 unless it said
    /// otherwise).
    pub fn max_frame_size(&self) -> u32 {
        self.server_setting(setting::MAX_FRAME_SIZE)
            .unwrap_or(16_384)
    }

    /// The `grpc-status` of `stream`: from its trailers, or from a
    /// trailers-only response.
    pub fn grpc_status(&self, stream: u32) -> Option<u32> {
        self.responses
            .iter()
            .filter(|response| response.stream == stream)
            .find_map(|response| response.get("grpc-status"))
            .and_then(|status| status.parse().ok())
    }

    /// Whether `stream` is over as far as the server is concerned: reset,
    /// or answered to its end (trailers, or a trailers-only response), or
    /// the whole connection ended.
    pub fn stream_done(&self, stream: u32) -> bool {
        self.ended()
            || self.resets.iter().any(|(reset, _)| *reset == stream)
            || self
                .responses
                .iter()
                .any(|response| response.stream == stream && response.end_stream)
    }

    /// Whether the server sent any header block on `stream`.
    pub fn answered(&self, stream: u32) -> bool {
        self.responses
            .iter()
            .any(|response| response.stream == stream)
    }

    /// A one-line summary, for assertion messages.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} frames", self.frames)];
        if let Some(goaway) = &self.goaway {
            parts.push(format!("{goaway:?}"));
        }
        if !self.resets.is_empty() {
            parts.push(format!(
                "{} RST_STREAM ({} REFUSED_STREAM)",
                self.resets.len(),
                self.refused()
            ));
        }
        if !self.responses.is_empty() {
            parts.push(format!("{} header blocks", self.responses.len()));
        }
        if self.data_frames > 0 {
            parts.push(format!(
                "{} DATA frames, {} bytes",
                self.data_frames, self.data_bytes
            ));
        }
        match &self.closed {
            Some(ending) => parts.push(format!("closed: {ending:?}")),
            None => parts.push("still open".to_string()),
        }
        parts.join(", ")
    }
}
