//! Which `:authority` values need replacing, and by what.
//!
//! h2 turns `:authority` into an `http::uri::Authority` and refuses the
//! request when that fails; the same parser decides here, so every value h2
//! accepts is left exactly as it is. A refused value (a socket path such as
//! `/tmp/x.sock` or `%2Ftmp%2Fx.sock`, a pipe name such as `\\.\pipe\x`)
//! becomes a reg-name of the same byte length: letters, digits and `-._~`
//! stay, every other byte becomes `-`. The same length keeps the dynamic
//! table entry the same size as in the client's encoder (see the module
//! docs of the parent), and the result still shows which socket was meant.

use http::uri::Authority;

/// What h2 will make of an `:authority` value, and what to send instead.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// h2 accepts it as it is.
    Accepted,
    /// h2 refuses it; this same-length value it accepts goes instead.
    Replace(Vec<u8>),
    /// h2 refuses it, and no same-length value would do (an empty value,
    /// or one too long for a URI): h2 refuses it as before.
    Refused,
}

/// Judges `value` as h2 will.
pub(super) fn judge(value: &[u8]) -> Verdict {
    if Authority::try_from(value).is_ok() {
        return Verdict::Accepted;
    }
    let replaced: Vec<u8> = value
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                b
            } else {
                b'-'
            }
        })
        .collect();
    if Authority::try_from(&replaced[..]).is_ok() {
        Verdict::Replace(replaced)
    } else {
        Verdict::Refused
    }
}

/// The value to send h2 instead of `value`, or `None` to keep `value`.
#[cfg(test)]
pub(super) fn replacement(value: &[u8]) -> Option<Vec<u8>> {
    match judge(value) {
        Verdict::Replace(value) => Some(value),
        Verdict::Accepted | Verdict::Refused => None,
    }
}
