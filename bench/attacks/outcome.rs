//! What an attack met, summed over all its connections: the robust half of
//! the results (the server's answers do not depend on the machine's speed
//! the way its CPU time and latencies do).

use std::collections::BTreeMap;

use piperpc_attack::Answer;

/// An attack's result, over every connection it opened.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Outcome {
    /// What the attack sent, counted in `unit`.
    pub sent: u64,
    /// What [`Outcome::sent`] counts: `pairs`, `frames`, `bytes`, ...
    pub unit: &'static str,
    /// Connections opened.
    pub connections: u64,
    /// Connections that could not be opened.
    pub connect_errors: u64,
    /// The first connect error, as said.
    pub first_connect_error: Option<String>,
    /// Connections ended by a GOAWAY, by `REASON "debug data"`.
    pub goaways: BTreeMap<String, u64>,
    /// Connections closed without a GOAWAY.
    pub closed: u64,
    /// Connections still open when the attack ended (the server kept them).
    pub kept: u64,
    /// Connections whose writes stalled: the server stopped reading them
    /// (backpressure).
    pub stalled: u64,
    /// Connections that never read (their answers are unknown).
    pub deaf: u64,
    /// Streams reset with REFUSED_STREAM.
    pub refused_streams: u64,
    /// Streams reset for other reasons, by reason.
    pub resets: BTreeMap<String, u64>,
    /// Response header blocks received (responses and trailers).
    pub responses: u64,
    /// Calls the server ended, by `grpc-status`.
    pub grpc_statuses: BTreeMap<u32, u64>,
    /// DATA payload bytes received.
    pub data_bytes: u64,
}

impl Outcome {
    /// An outcome counting `unit`.
    pub fn new(unit: &'static str) -> Outcome {
        Outcome {
            unit,
            ..Outcome::default()
        }
    }

    /// Adds one connection, by what the server sent on it; `stalled` if
    /// its writes stalled.
    pub fn record(&mut self, answer: &Answer, stalled: bool) {
        self.connections += 1;
        if let Some(goaway) = &answer.goaway {
            let debug = goaway.debug_text();
            let key = if debug.is_empty() {
                goaway.reason.to_string()
            } else {
                format!("{} \"{debug}\"", goaway.reason)
            };
            *self.goaways.entry(key).or_default() += 1;
        } else if answer.closed.is_some() {
            self.closed += 1;
        } else {
            self.kept += 1;
        }
        if stalled {
            self.stalled += 1;
        }
        for (_, reason) in &answer.resets {
            if *reason == piperpc_attack::Reason::REFUSED_STREAM {
                self.refused_streams += 1;
            } else {
                *self.resets.entry(reason.to_string()).or_default() += 1;
            }
        }
        self.responses += answer.responses.len() as u64;
        for response in &answer.responses {
            if let Some(status) = response.get("grpc-status").and_then(|s| s.parse().ok()) {
                *self.grpc_statuses.entry(status).or_default() += 1;
            }
        }
        self.data_bytes += answer.data_bytes;
    }

    /// Adds a connection that never read: whether the server closed it
    /// (a failed write), kept it, or stopped reading it.
    pub fn record_deaf(&mut self, closed: bool, stalled: bool) {
        self.connections += 1;
        self.deaf += 1;
        if closed {
            self.closed += 1;
        } else {
            self.kept += 1;
        }
        if stalled {
            self.stalled += 1;
        }
    }

    /// Adds a connection that could not be opened.
    pub fn connect_error(&mut self, error: String) {
        self.connect_errors += 1;
        self.first_connect_error.get_or_insert(error);
    }

    /// Adds another worker's outcome.
    pub fn merge(&mut self, other: Outcome) {
        self.sent += other.sent;
        self.connections += other.connections;
        self.connect_errors += other.connect_errors;
        if self.first_connect_error.is_none() {
            self.first_connect_error = other.first_connect_error;
        }
        for (key, count) in other.goaways {
            *self.goaways.entry(key).or_default() += count;
        }
        self.closed += other.closed;
        self.kept += other.kept;
        self.stalled += other.stalled;
        self.deaf += other.deaf;
        self.refused_streams += other.refused_streams;
        for (key, count) in other.resets {
            *self.resets.entry(key).or_default() += count;
        }
        self.responses += other.responses;
        for (status, count) in other.grpc_statuses {
            *self.grpc_statuses.entry(status).or_default() += count;
        }
        self.data_bytes += other.data_bytes;
    }

    /// One line for the table: what was sent, then how the connections
    /// ended.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} {} on {} conn{}",
            self.sent,
            self.unit,
            self.connections,
            if self.connections == 1 { "" } else { "s" }
        )];
        for (goaway, count) in &self.goaways {
            parts.push(format!("GOAWAY {goaway} ×{count}"));
        }
        if self.closed > 0 {
            parts.push(format!("closed ×{}", self.closed));
        }
        if self.kept > 0 {
            parts.push(format!("kept ×{}", self.kept));
        }
        if self.stalled > 0 {
            parts.push(format!("stalled ×{}", self.stalled));
        }
        if self.refused_streams > 0 {
            parts.push(format!("{} REFUSED_STREAM", self.refused_streams));
        }
        for (reason, count) in &self.resets {
            parts.push(format!("{count} RST {reason}"));
        }
        for (status, count) in &self.grpc_statuses {
            parts.push(format!("grpc-status {status} ×{count}"));
        }
        if self.data_bytes > 0 {
            parts.push(format!("{} DATA bytes", self.data_bytes));
        }
        if self.connect_errors > 0 {
            parts.push(format!("{} connects failed", self.connect_errors));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use piperpc_attack::{GoAway, Reason};

    #[test]
    fn sums_connections_by_how_they_ended() {
        let mut outcome = Outcome::new("pairs");
        outcome.sent = 40;
        let calmed = Answer {
            goaway: Some(GoAway {
                last_stream: 1,
                reason: Reason::ENHANCE_YOUR_CALM,
                debug: b"too_many_resets".to_vec(),
            }),
            ..Answer::default()
        };
        outcome.record(&calmed, false);
        outcome.record(&calmed, false);
        let mut kept = Answer::default();
        kept.resets.push((1, Reason::REFUSED_STREAM));
        outcome.record(&kept, true);
        assert_eq!(
            outcome.summary(),
            "40 pairs on 3 conns; GOAWAY ENHANCE_YOUR_CALM \"too_many_resets\" ×2; \
             kept ×1; stalled ×1; 1 REFUSED_STREAM"
        );
        let mut more = Outcome::new("pairs");
        more.record_deaf(true, false);
        outcome.merge(more);
        assert_eq!(outcome.connections, 4);
        assert_eq!(outcome.closed, 1);
    }
}
