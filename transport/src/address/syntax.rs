//! The written forms of an address, read the same way on every OS.

use std::path::PathBuf;

use super::Address;
use crate::Error;

/// Longest socket path the kernel takes: `sun_path` holds 108 bytes on Linux
/// and 104 on the BSDs and macOS, including the terminating NUL.
const MAX_UNIX_PATH: usize = if cfg!(any(target_os = "linux", target_os = "android")) {
    107
} else {
    103
};

/// Windows limits a whole pipe path (`\\.\pipe\` included) to 256 characters.
const MAX_PIPE_PATH: usize = 256;
const PIPE_PREFIX: &str = r"\\.\pipe\";

/// What the text says, before a bare name is resolved for this OS.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A bare `NAME`: the platform's default endpoint for it.
    Name(String),
    /// A fully spelled-out address.
    Address(Address),
}

pub(crate) fn parse(input: &str) -> Result<Parsed, Error> {
    let invalid = |reason: &str| invalid(input, reason);
    if input.is_empty() {
        return Err(invalid("the address is empty"));
    }
    if input.trim() != input {
        return Err(invalid("it has leading or trailing whitespace"));
    }
    if input.chars().any(char::is_control) {
        return Err(invalid("it contains a control character"));
    }

    if let Some(rest) = input.strip_prefix(r"\\") {
        return pipe_from_backslashes(input, rest);
    }
    if let Some(rest) = strip_scheme(input, "npipe:") {
        return pipe_from_npipe(input, rest);
    }
    if let Some(name) = strip_scheme(input, "unix-abstract:") {
        return abstract_name(input, name);
    }
    if let Some(rest) = strip_scheme(input, "unix:") {
        return unix_path(input, rest);
    }
    // Whether a TCP connection speaks TLS is the client's and server's
    // setting, not the address's: both schemes name the same endpoint.
    if let Some(rest) = strip_scheme(input, "http://").or_else(|| strip_scheme(input, "https://")) {
        return tcp(input, rest);
    }
    if let Some((scheme, _)) = input.split_once("://") {
        return Err(unknown_scheme(input, scheme));
    }
    if let Some((_, port)) = input.rsplit_once(':')
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        return tcp(input, input);
    }
    if let Some((scheme, _)) = input.split_once(':') {
        return Err(unknown_scheme(input, scheme));
    }
    bare_name(input)
}

/// Fails when a socket path would not fit in `sun_path`.
pub(crate) fn check_unix_path_len(input: &str, len: usize) -> Result<(), Error> {
    if len > MAX_UNIX_PATH {
        return Err(invalid(
            input,
            &format!("the socket path is {len} bytes long; the OS allows at most {MAX_UNIX_PATH}"),
        ));
    }
    Ok(())
}

fn invalid(input: &str, reason: &str) -> Error {
    Error::InvalidAddress {
        input: input.to_string(),
        reason: reason.to_string(),
    }
}

fn unknown_scheme(input: &str, scheme: &str) -> Error {
    invalid(
        input,
        &format!(
            "unknown scheme `{scheme}`; expected a bare name, \\\\.\\pipe\\NAME, npipe:, unix:, \
             unix-abstract:, http://HOST:PORT or HOST:PORT"
        ),
    )
}

/// Schemes are case-insensitive (RFC 3986), paths are not.
fn strip_scheme<'a>(input: &'a str, scheme: &str) -> Option<&'a str> {
    let head = input.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &input[scheme.len()..])
}

fn pipe_from_backslashes(input: &str, rest: &str) -> Result<Parsed, Error> {
    let Some((host, tail)) = rest.split_once('\\') else {
        return Err(invalid(input, r"a pipe path looks like \\.\pipe\NAME"));
    };
    let Some(name) = strip_scheme(tail, r"pipe\") else {
        return Err(invalid(input, r"a pipe path looks like \\.\pipe\NAME"));
    };
    pipe(input, host, name)
}

fn pipe_from_npipe(input: &str, rest: &str) -> Result<Parsed, Error> {
    let path = rest
        .strip_prefix("////")
        .or_else(|| rest.strip_prefix("//"))
        .ok_or_else(|| invalid(input, "an npipe address looks like npipe:////./pipe/NAME"))?;
    let (host, tail) = path
        .split_once('/')
        .ok_or_else(|| invalid(input, "an npipe address looks like npipe:////./pipe/NAME"))?;
    let name = strip_scheme(tail, "pipe/")
        .ok_or_else(|| invalid(input, "an npipe address looks like npipe:////./pipe/NAME"))?;
    pipe(input, host, name)
}

fn pipe(input: &str, host: &str, name: &str) -> Result<Parsed, Error> {
    if host != "." {
        return Err(invalid(
            input,
            &format!(
                "pipes on another machine (`{host}`) are not served: piperpc is local only; use `.`"
            ),
        ));
    }
    if name.is_empty() {
        return Err(invalid(input, "the pipe name is empty"));
    }
    if name.contains('\\') {
        return Err(invalid(input, "a pipe name may not contain a backslash"));
    }
    let path = format!("{PIPE_PREFIX}{name}");
    let len = path.encode_utf16().count();
    if len > MAX_PIPE_PATH {
        return Err(invalid(
            input,
            &format!(
                "the pipe path is {len} characters long; Windows allows at most {MAX_PIPE_PATH}"
            ),
        ));
    }
    Ok(Parsed::Address(Address::NamedPipe(path)))
}

fn unix_path(input: &str, rest: &str) -> Result<Parsed, Error> {
    // gRPC's naming: `unix:path` is relative or absolute, `unix://` must be
    // followed by an absolute path (an empty authority).
    let path = match rest.strip_prefix("//") {
        Some(absolute) if absolute.starts_with('/') => absolute,
        Some(_) => {
            return Err(invalid(
                input,
                "unix:// must be followed by an absolute path (unix:///ABS/PATH); \
                 write unix:PATH for a relative one",
            ));
        }
        None => rest,
    };
    if path.is_empty() {
        return Err(invalid(input, "the socket path is empty"));
    }
    check_unix_path_len(input, path.len())?;
    Ok(Parsed::Address(Address::Unix(PathBuf::from(path))))
}

fn abstract_name(input: &str, name: &str) -> Result<Parsed, Error> {
    if name.is_empty() {
        return Err(invalid(input, "the abstract socket name is empty"));
    }
    // One byte of `sun_path` goes to the leading NUL that marks it abstract.
    if name.len() > 107 {
        return Err(invalid(
            input,
            &format!(
                "the abstract name is {} bytes long; Linux allows at most 107",
                name.len()
            ),
        ));
    }
    Ok(Parsed::Address(Address::UnixAbstract(name.to_string())))
}

fn tcp(input: &str, host_port: &str) -> Result<Parsed, Error> {
    let host_port = host_port.strip_suffix('/').unwrap_or(host_port);
    if host_port.contains('/') {
        return Err(invalid(
            input,
            "a TCP address takes no path: write http://HOST:PORT",
        ));
    }
    let Some((host, port)) = host_port.rsplit_once(':') else {
        return Err(invalid(input, "a TCP address needs a port: HOST:PORT"));
    };
    if host.is_empty() {
        return Err(invalid(
            input,
            "the host is empty: write HOST:PORT, e.g. 127.0.0.1:50051",
        ));
    }
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.contains(':') && !bracketed {
        return Err(invalid(input, "an IPv6 host goes in brackets: [::1]:PORT"));
    }
    if port.parse::<u16>().is_err() {
        return Err(invalid(
            input,
            &format!("`{port}` is not a port (0 to 65535)"),
        ));
    }
    Ok(Parsed::Address(Address::Tcp(host_port.to_string())))
}

fn bare_name(input: &str) -> Result<Parsed, Error> {
    if input.contains(['/', '\\']) {
        return Err(invalid(
            input,
            "a bare name may not contain `/` or `\\`; write unix:PATH for a socket path \
             or \\\\.\\pipe\\NAME for a pipe",
        ));
    }
    if input == "." || input == ".." {
        return Err(invalid(input, "`.` and `..` are not names"));
    }
    if let Some(bad) = input
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+')))
    {
        return Err(invalid(
            input,
            &format!("`{bad}` is not allowed in a bare name (letters, digits, - _ . @ +)"),
        ));
    }
    // Leave room for the default directory and `.sock` on Unix.
    if input.len() > 64 {
        return Err(invalid(
            input,
            &format!(
                "a bare name is at most 64 bytes long; this one is {}",
                input.len()
            ),
        ));
    }
    Ok(Parsed::Name(input.to_string()))
}
