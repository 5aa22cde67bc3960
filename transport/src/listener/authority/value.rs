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

/// The value to send h2 instead of `value`, or `None` to keep `value`.
///
/// `None` also when no same-length replacement would be accepted (an empty
/// value, or one too long for a URI): h2 then refuses it as before.
pub(super) fn replacement(value: &[u8]) -> Option<Vec<u8>> {
    if Authority::try_from(value).is_ok() {
        return None;
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
    Authority::try_from(&replaced[..])
        .is_ok()
        .then_some(replaced)
}
