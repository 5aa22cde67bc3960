//! Deadlines that cover the whole call, streams included.
//!
//! gRPC's deadline (`grpc-timeout`) bounds an entire call. tonic enforces it
//! only until the response headers: a server stream that has started runs on
//! past it, on both sides. This module carries the deadline into the
//! response body. The server side ([`DeadlineLayer`]) ends a stream that
//! outlives its deadline with `DEADLINE_EXCEEDED` trailers (dropping the
//! handler's stream); the client [`Channel`](crate::Channel) fails it with
//! `DEADLINE_EXCEEDED` locally, so a dead or slow server cannot hold it.

mod layer;
mod timer;

pub use layer::{DeadlineBody, DeadlineLayer, DeadlineService};
pub(crate) use layer::{deadline_status, deadline_trailers, status_trailers};
pub(crate) use timer::Timer;

use std::time::Duration;

use http::{HeaderMap, HeaderValue};

/// The header that carries a call's deadline.
pub(crate) const GRPC_TIMEOUT: &str = "grpc-timeout";

/// The deadline a call with request `headers` gets: the caller's
/// `grpc-timeout` if `honoured`, capped by the server's own `cap` (the
/// shorter wins).
pub(crate) fn call_timeout(
    headers: &HeaderMap,
    honoured: bool,
    cap: Option<Duration>,
) -> Option<Duration> {
    let asked = match honoured {
        true => headers.get(GRPC_TIMEOUT).and_then(parse),
        false => None,
    };
    match (asked, cap) {
        (Some(asked), Some(cap)) => Some(asked.min(cap)),
        (asked, cap) => asked.or(cap),
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (`H M S m u n`).
pub(crate) fn parse(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?;
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// Encodes `timeout` as a `grpc-timeout` value, in the finest unit whose
/// amount fits in 8 digits.
pub(crate) fn encode(timeout: Duration) -> HeaderValue {
    const MAX: u128 = 99_999_999;
    let nanos = timeout.as_nanos();
    let text = [
        (1, "n"),
        (1_000, "u"),
        (1_000_000, "m"),
        (1_000_000_000, "S"),
    ]
    .into_iter()
    .find(|(per, _)| nanos / per <= MAX)
    .map(|(per, unit)| format!("{}{unit}", nanos.div_ceil(per)))
    .unwrap_or_else(|| format!("{}H", timeout.as_secs().div_ceil(3600).clamp(1, MAX as u64)));
    HeaderValue::from_str(&text).expect("digits and a unit letter are a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_refuses_nonsense() {
        let cases = [
            ("1H", 3_600_000),
            ("2M", 120_000),
            ("3S", 3_000),
            ("250m", 250),
            ("1500u", 1),
            ("2000000n", 2),
        ];
        for (text, millis) in cases {
            let parsed = parse(&HeaderValue::from_static(text)).unwrap();
            assert_eq!(parsed.as_millis(), millis, "{text}");
        }
        for bad in ["", "S", "10", "10x", "123456789S", "-1S"] {
            assert_eq!(parse(&HeaderValue::from_static(bad)), None, "{bad}");
        }
    }

    #[test]
    fn encodes_within_eight_digits_and_round_trips() {
        for timeout in [
            Duration::from_nanos(5),
            Duration::from_millis(1500),
            Duration::from_secs(100_000),
            Duration::from_secs(10_000_000_000),
        ] {
            let value = encode(timeout);
            let digits = value.to_str().unwrap().len() - 1;
            assert!(digits <= 8, "{value:?}");
            assert!(parse(&value).unwrap() >= timeout.min(Duration::from_secs(99_999_999 * 3600)));
        }
    }
}
