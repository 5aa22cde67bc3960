//! One hostile connection: the bytes we write, and a reader that watches
//! what the server sends.
//!
//! The stream is split: a task reads the server's frames as they come and
//! hands them over as [`Event`]s, so that a write the server refuses to
//! read (a flood it applies backpressure to) never hides a GOAWAY it has
//! sent. The attack itself owns the writing half and decides when to look
//! at the events ([`Conn::wait_until`], [`Conn::sync`]).
//!
//! A [`Conn::deaf`] connection has no reader at all: the server's frames
//! pile up in the socket, as from a client that never reads, which is the
//! point of the flood attacks.
//!
//! Writes tolerate the server closing the connection (that is often the
//! right answer to an attack): [`Conn::send`] says whether the bytes went
//! out, and a write that fails is remembered, never a panic.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::answer::{Answer, Ending, Event, GoAway, Response};
use crate::frame::{self, HEADER_LEN, Head, Reason, flag, kind};

/// Any byte stream to a server: a [`piperpc::ClientStream`] (Unix socket,
/// named pipe, TCP, TLS), a TCP stream, a test's duplex.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

type Stream = Box<dyn Io>;

/// What became of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// All of it was written.
    Done,
    /// The connection is closed (now or before): the server hung up.
    Closed,
    /// The write did not finish in time: the server has stopped reading.
    /// Nothing more is written on this connection (a frame may be cut).
    Stalled,
}

/// What a [`Conn::sync`] round trip found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synced {
    /// The server acknowledged our PING: it has read everything before it.
    Acked,
    /// The connection ended (GOAWAY or closed) before the ACK.
    Ended,
    /// Neither came in time.
    TimedOut,
}

/// A hostile client connection. Dropping it closes the connection.
pub struct Conn {
    writer: WriteHalf<Stream>,
    events: Option<mpsc::UnboundedReceiver<Event>>,
    reader: Option<JoinHandle<()>>,
    answer: Answer,
    polite: bool,
    write_error: Option<String>,
    stalled: bool,
    pings_sent: u64,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("answer", &self.answer.summary())
            .field("polite", &self.polite)
            .field("write_error", &self.write_error)
            .field("stalled", &self.stalled)
            .finish()
    }
}

impl Conn {
    /// A connection whose server frames are read as they come, and whose
    /// SETTINGS and PINGs are acknowledged when looked at (as a real client
    /// would, so that keepalive does not end it). Must be called within a
    /// Tokio runtime: the reader is a task.
    pub fn new(stream: impl Io) -> Conn {
        let (reader, writer) = tokio::io::split(Box::new(stream) as Stream);
        let (events, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(read_frames(reader, events));
        Conn {
            writer,
            events: Some(receiver),
            reader: Some(task),
            answer: Answer::default(),
            polite: true,
            write_error: None,
            stalled: false,
            pings_sent: 0,
        }
    }

    /// A connection that never reads: whatever the server sends stays in
    /// the socket, and the server's writes back up once it is full.
    pub fn deaf(stream: impl Io) -> Conn {
        let (_reader, writer) = tokio::io::split(Box::new(stream) as Stream);
        // The read half is dropped unused; the stream stays open as long
        // as the write half does.
        Conn {
            writer,
            events: None,
            reader: None,
            answer: Answer::default(),
            polite: false,
            write_error: None,
            stalled: false,
            pings_sent: 0,
        }
    }

    /// Stops acknowledging the server's SETTINGS and PINGs (a client that
    /// reads but never answers: keepalive should find it dead).
    pub fn rude(mut self) -> Conn {
        self.polite = false;
        self
    }

    /// Everything the server sent so far (as far as it has been looked at:
    /// see [`Conn::drain`]).
    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    /// Why a write failed, if one did.
    pub fn write_error(&self) -> Option<&str> {
        self.write_error.as_deref()
    }

    /// Whether a write stalled ([`Sent::Stalled`]).
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// Writes `bytes` and flushes, however long it takes. Returns whether
    /// they went out (false: the connection is closed).
    pub async fn send(&mut self, bytes: &[u8]) -> bool {
        self.send_within(bytes, Duration::MAX).await == Sent::Done
    }

    /// Writes `bytes` and flushes, giving up after `within`
    /// ([`Sent::Stalled`]).
    pub async fn send_within(&mut self, bytes: &[u8], within: Duration) -> Sent {
        if self.write_error.is_some() {
            return Sent::Closed;
        }
        if self.stalled {
            return Sent::Stalled;
        }
        let write = async {
            self.writer.write_all(bytes).await?;
            self.writer.flush().await
        };
        let result = match Instant::now().checked_add(within) {
            Some(deadline) => match tokio::time::timeout_at(deadline, write).await {
                Ok(result) => result,
                Err(_) => {
                    self.stalled = true;
                    return Sent::Stalled;
                }
            },
            None => write.await,
        };
        match result {
            Ok(()) => Sent::Done,
            Err(error) => {
                self.write_error = Some(describe(&error));
                Sent::Closed
            }
        }
    }

    /// Sends the client preface and a SETTINGS frame with `settings`.
    /// Returns whether they went out.
    pub async fn handshake(&mut self, settings: &[(u16, u32)]) -> bool {
        let mut bytes = frame::PREFACE.to_vec();
        bytes.extend(frame::settings(settings));
        self.send(&bytes).await
    }

    /// [`Conn::handshake`], then waits up to `within` for the server's
    /// SETTINGS (and, if polite, acknowledges them): what a client knows
    /// before its first request. Returns whether they came.
    pub async fn start(&mut self, settings: &[(u16, u32)], within: Duration) -> bool {
        self.handshake(settings).await
            && self
                .wait_until(within, |answer| answer.server_settings.is_some())
                .await
    }

    /// Looks at the events that have arrived, without waiting.
    pub async fn drain(&mut self) {
        while let Some(event) = self.try_next() {
            self.handle(event).await;
        }
    }

    /// Looks at events as they come until `done` holds, the connection has
    /// closed (nothing more can come) or `within` has passed. Returns
    /// whether `done` holds.
    pub async fn wait_until(
        &mut self,
        within: Duration,
        mut done: impl FnMut(&Answer) -> bool,
    ) -> bool {
        let deadline = Instant::now() + within;
        self.drain().await;
        while !done(&self.answer) && self.answer.closed.is_none() {
            let Some(events) = self.events.as_mut() else {
                return false;
            };
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(event)) => self.handle(event).await,
                Ok(None) => {
                    // The reader ended without saying why: it was aborted.
                    self.answer.record(&Event::Closed(Ending::Eof));
                }
                Err(_) => break,
            }
        }
        done(&self.answer)
    }

    /// Waits up to `within` for the connection to end (GOAWAY, or
    /// closed). Returns whether it did.
    pub async fn wait_ended(&mut self, within: Duration) -> bool {
        self.wait_until(within, Answer::ended).await
    }

    /// Waits up to `within` for the connection to close (after a GOAWAY,
    /// too). Returns whether it did.
    pub async fn wait_closed(&mut self, within: Duration) -> bool {
        self.wait_until(within, |answer| answer.closed.is_some())
            .await
    }

    /// A PING round trip: sends a PING and waits for its ACK, which the
    /// server sends only after reading everything written before it. The
    /// sure way to know the server has seen an attack's frames, without a
    /// clock. Not within a header block: that is a protocol error.
    pub async fn sync(&mut self, within: Duration) -> Synced {
        self.pings_sent += 1;
        let mut payload = *b"attack\0\0";
        payload[6..].copy_from_slice(&(self.pings_sent as u16).to_be_bytes());
        if self.send(&frame::ping(payload, false)).await {
            let acked = |answer: &Answer| answer.ping_acks.contains(&payload) || answer.ended();
            self.wait_until(within, acked).await;
        } else {
            self.wait_ended(within).await;
        }
        if self.answer.ping_acks.contains(&payload) {
            Synced::Acked
        } else if self.answer.ended() {
            Synced::Ended
        } else {
            Synced::TimedOut
        }
    }

    /// Shuts the writing side down (a FIN; the server sees the end).
    pub async fn shutdown(&mut self) {
        let _ = self.writer.shutdown().await;
    }

    fn try_next(&mut self) -> Option<Event> {
        match self.events.as_mut()?.try_recv() {
            Ok(event) => Some(event),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => {
                self.events = None;
                if self.answer.closed.is_none() {
                    Some(Event::Closed(Ending::Eof))
                } else {
                    None
                }
            }
        }
    }

    async fn handle(&mut self, event: Event) {
        self.answer.record(&event);
        if !self.polite {
            return;
        }
        match event {
            Event::Settings { ack: false, .. } => {
                self.send(&frame::settings_ack()).await;
            }
            Event::Ping {
                ack: false,
                payload,
            } => {
                self.send(&frame::ping(payload, true)).await;
            }
            _ => {}
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
    }
}

fn describe(error: &io::Error) -> String {
    format!("{:?}: {error}", error.kind())
}

/// Reads frames until the connection ends, sending each as an event.
async fn read_frames(mut reader: ReadHalf<Stream>, events: mpsc::UnboundedSender<Event>) {
    let mut decoder = httlib_hpack::Decoder::default();
    // A header block being gathered: stream, END_STREAM, bytes so far.
    let mut block: Option<(u32, bool, Vec<u8>)> = None;
    loop {
        let mut head = [0u8; HEADER_LEN];
        if let Err(ending) = read_exact(&mut reader, &mut head, true).await {
            let _ = events.send(Event::Closed(ending));
            return;
        }
        let head = Head::parse(&head);
        let mut payload = vec![0u8; head.length as usize];
        if let Err(ending) = read_exact(&mut reader, &mut payload, false).await {
            let _ = events.send(Event::Closed(ending));
            return;
        }
        let event = match head.kind {
            kind::HEADERS => {
                let fragment = strip_headers_extras(&head, &payload);
                block = Some((head.stream, head.has(flag::END_STREAM), fragment.to_vec()));
                finish_block(&head, &mut block, &mut decoder)
            }
            kind::CONTINUATION => {
                if let Some((_, _, bytes)) = block.as_mut() {
                    bytes.extend_from_slice(&payload);
                }
                finish_block(&head, &mut block, &mut decoder)
            }
            kind::SETTINGS => Some(Event::Settings {
                ack: head.has(flag::ACK),
                values: payload
                    .chunks_exact(6)
                    .map(|pair| {
                        (
                            u16::from_be_bytes([pair[0], pair[1]]),
                            u32::from_be_bytes([pair[2], pair[3], pair[4], pair[5]]),
                        )
                    })
                    .collect(),
            }),
            kind::PING => Some(Event::Ping {
                ack: head.has(flag::ACK),
                payload: payload
                    .get(..8)
                    .and_then(|p| p.try_into().ok())
                    .unwrap_or_default(),
            }),
            kind::GOAWAY if payload.len() >= 8 => Some(Event::GoAway(GoAway {
                last_stream: u32_at(&payload, 0) & 0x7fff_ffff,
                reason: Reason(u32_at(&payload, 4)),
                debug: payload[8..].to_vec(),
            })),
            kind::RST_STREAM if payload.len() >= 4 => Some(Event::Reset {
                stream: head.stream,
                reason: Reason(u32_at(&payload, 0)),
            }),
            kind::DATA => Some(Event::Data {
                stream: head.stream,
                len: payload.len(),
                end_stream: head.has(flag::END_STREAM),
            }),
            kind::WINDOW_UPDATE if payload.len() >= 4 => Some(Event::WindowUpdate {
                stream: head.stream,
                increment: u32_at(&payload, 0) & 0x7fff_ffff,
            }),
            other => Some(Event::Other {
                kind: other,
                stream: head.stream,
            }),
        };
        if let Some(event) = event
            && events.send(event).is_err()
        {
            return;
        }
    }
}

/// Fills `buf`; an end before its first byte is [`Ending::Eof`] when
/// `at_boundary`.
async fn read_exact(
    reader: &mut ReadHalf<Stream>,
    buf: &mut [u8],
    at_boundary: bool,
) -> Result<(), Ending> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]).await {
            Ok(0) if filled == 0 && at_boundary => return Err(Ending::Eof),
            Ok(0) => return Err(Ending::EofMidFrame),
            Ok(read) => filled += read,
            Err(error) => return Err(Ending::Error(describe(&error))),
        }
    }
    Ok(())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A HEADERS payload without its padding and priority fields.
fn strip_headers_extras<'a>(head: &Head, payload: &'a [u8]) -> &'a [u8] {
    let mut fragment = payload;
    let mut padding = 0;
    if head.has(flag::PADDED) && !fragment.is_empty() {
        padding = fragment[0] as usize;
        fragment = &fragment[1..];
    }
    if head.has(flag::PRIORITY) && fragment.len() >= 5 {
        fragment = &fragment[5..];
    }
    &fragment[..fragment.len().saturating_sub(padding)]
}

/// The event for a header block once END_HEADERS has come.
fn finish_block(
    head: &Head,
    block: &mut Option<(u32, bool, Vec<u8>)>,
    decoder: &mut httlib_hpack::Decoder<'_>,
) -> Option<Event> {
    if !head.has(flag::END_HEADERS) {
        return None;
    }
    let (stream, end_stream, mut bytes) = block.take()?;
    let mut fields = Vec::new();
    if decoder.decode(&mut bytes, &mut fields).is_err() {
        return Some(Event::Undecodable { stream });
    }
    Some(Event::Headers(Response {
        stream,
        end_stream,
        fields: fields
            .into_iter()
            .map(|(name, value, _)| {
                (
                    String::from_utf8_lossy(&name).into_owned(),
                    String::from_utf8_lossy(&value).into_owned(),
                )
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_reader_reports_settings_goaway_and_the_end() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut conn = Conn::new(client);
        let mut bytes = frame::settings(&[(3, 200)]);
        let mut goaway = vec![0, 0, 0, 1, 0, 0, 0, 0xb];
        goaway.extend_from_slice(b"too_many_continuations");
        bytes.extend(frame::frame(kind::GOAWAY, 0, 0, &goaway));
        server.write_all(&bytes).await.unwrap();
        drop(server);
        assert!(conn.wait_closed(Duration::from_secs(10)).await);
        let answer = conn.answer();
        assert_eq!(answer.max_concurrent_streams(), Some(200));
        assert!(answer.calmed("too_many_continuations"), "{answer:?}");
        assert_eq!(answer.closed, Some(Ending::Eof));
    }

    #[tokio::test]
    async fn a_polite_connection_acknowledges_pings() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut conn = Conn::new(client);
        server
            .write_all(&frame::ping(*b"12345678", false))
            .await
            .unwrap();
        conn.wait_until(Duration::from_secs(10), |answer| answer.pings == 1)
            .await;
        let mut ack = [0u8; HEADER_LEN + 8];
        server.read_exact(&mut ack).await.unwrap();
        assert_eq!(ack.to_vec(), frame::ping(*b"12345678", true));
    }
}
