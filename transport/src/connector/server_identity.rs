//! Making sure the server is who the client expects, before sending it
//! anything.
//!
//! A local name can be taken by whoever binds it first. A client that
//! carries secrets checks the server's OS identity (the uid behind the
//! socket, or the user SID of the process behind the pipe) right after
//! connecting and before the first byte of HTTP/2.

use std::str::FromStr;

use super::ClientStream;
use crate::{Address, ConnectInfo, Error, identity};

/// Who the server must be.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerIdentity {
    /// The same user as this process (uid on Unix, SID on Windows).
    SameUser,
    /// A given uid (Unix).
    Uid(u32),
    /// A given user SID, `S-1-5-...` (Windows).
    Sid(String),
}

impl ServerIdentity {
    /// `Ok` when `stream`'s server is this identity.
    pub(crate) fn verify(&self, address: &Address, stream: &ClientStream) -> Result<(), Error> {
        let server = stream.server_info();
        let (expected, actual) = match self {
            ServerIdentity::SameUser => match (identity::current_uid(), identity::current_sid()) {
                (Some(uid), _) => (Some(format!("uid {uid}")), describe_uid(&server)),
                (None, Some(sid)) => (Some(format!("user {sid}")), describe_sid(&server)),
                (None, None) => (None, None),
            },
            ServerIdentity::Uid(uid) => (Some(format!("uid {uid}")), describe_uid(&server)),
            ServerIdentity::Sid(sid) => (
                Some(format!("user {}", sid.to_ascii_uppercase())),
                describe_sid(&server),
            ),
        };
        let expected = expected.unwrap_or_else(|| "this process's user (unreadable)".to_string());
        match actual {
            Some(actual) if actual.eq_ignore_ascii_case(&expected) => Ok(()),
            actual => Err(Error::WrongServer {
                address: address.clone(),
                expected,
                actual: actual.unwrap_or_else(|| "an identity the OS does not report".to_string()),
            }),
        }
    }
}

/// `same-user`, a uid (digits), or a SID (`S-1-...`), as command lines
/// write it.
impl FromStr for ServerIdentity {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input == "same-user" {
            return Ok(ServerIdentity::SameUser);
        }
        if let Ok(uid) = input.parse() {
            return Ok(ServerIdentity::Uid(uid));
        }
        if input.to_ascii_uppercase().starts_with("S-1-") {
            return Ok(ServerIdentity::Sid(input.to_string()));
        }
        Err(format!(
            "`{input}` is not same-user, a uid or a SID (S-1-...)"
        ))
    }
}

fn describe_uid(server: &ConnectInfo) -> Option<String> {
    server.peer_uid.map(|uid| format!("uid {uid}"))
}

fn describe_sid(server: &ConnectInfo) -> Option<String> {
    server
        .peer_sid
        .as_ref()
        .map(|sid| format!("user {}", sid.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_written_forms() {
        assert_eq!("same-user".parse(), Ok(ServerIdentity::SameUser));
        assert_eq!("1000".parse(), Ok(ServerIdentity::Uid(1000)));
        assert_eq!(
            "s-1-5-18".parse(),
            Ok(ServerIdentity::Sid("s-1-5-18".into()))
        );
        assert!(
            "root"
                .parse::<ServerIdentity>()
                .unwrap_err()
                .contains("`root`")
        );
    }
}
