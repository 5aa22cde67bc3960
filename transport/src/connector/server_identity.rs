//! Making sure the server is who the client expects, before sending it
//! anything.
//!
//! A local name can be taken by whoever binds it first: anyone may create a
//! directory under `/tmp`, a socket where its permissions allow, and any
//! `\\.\pipe\NAME` nobody holds at the moment (before the real server
//! starts, after it crashed, during an update). So a client checks the
//! server's OS identity (the uid behind the socket, the user SID behind the
//! pipe) right after connecting and before the first byte of HTTP/2. By
//! default ([`ServerIdentity::SameUserOrSystem`]) the server must run as the
//! client's own user or as the OS itself; on Unix the directory holding bare
//! names must also be the client's own, checked before connecting.

use std::fmt;
use std::str::FromStr;

use super::ClientStream;
use crate::{Address, ConnectInfo, Error, identity};

/// The Windows service accounts a client trusts by default: SYSTEM,
/// LocalService, NetworkService.
const SERVICE_SIDS: [&str; 3] = ["S-1-5-18", "S-1-5-19", "S-1-5-20"];

/// Who the server must be.
///
/// Written forms (for command lines, through [`FromStr`]):
/// `same-user-or-system`, `same-user`, a uid (`1000`), a SID (`S-1-5-...`),
/// or `any`.
///
/// # Examples
///
/// ```no_run
/// use piperpc::{ChannelBuilder, ServerIdentity};
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// // A daemon that runs as its own account, uid 998.
/// let channel = ChannelBuilder::new("unix:/run/mydaemon/api.sock")?
///     .verify_server(ServerIdentity::Uid(998))
///     .connect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerIdentity {
    /// This process's user, or the OS itself: root on Unix; SYSTEM,
    /// LocalService or NetworkService on Windows (a desktop app talking to
    /// its own service). The default for local addresses.
    #[default]
    SameUserOrSystem,
    /// The same user as this process (uid on Unix, SID on Windows).
    SameUser,
    /// A given uid (Unix).
    Uid(u32),
    /// A given user SID, `S-1-5-...` (Windows).
    Sid(String),
    /// Any server at all: no check. A knowing choice, for a server that runs
    /// as a dedicated user whose uid or SID the client does not know.
    Any,
}

impl ServerIdentity {
    /// `Ok` when `stream`'s server is this identity.
    pub(crate) fn verify(&self, address: &Address, stream: &ClientStream) -> Result<(), Error> {
        self.admits(&stream.server_info())
            .map_err(|(expected, actual)| Error::WrongServer {
                address: address.clone(),
                expected,
                actual,
            })
    }

    /// Whether a server `server` is this identity; if not, who it had to be
    /// and who it is, as the error message says them.
    pub(crate) fn admits(&self, server: &ConnectInfo) -> Result<(), (String, String)> {
        let own_uid = identity::current_uid();
        let own_sid = identity::current_sid();
        let (admitted, expected) = match self {
            ServerIdentity::Any => return Ok(()),
            ServerIdentity::SameUserOrSystem => match (own_uid, &own_sid) {
                (Some(uid), _) => (
                    server.peer_uid.is_some_and(|s| s == uid || s == 0),
                    format!("this user (uid {uid}) or root"),
                ),
                (None, Some(sid)) => (
                    server.peer_sid.as_deref().is_some_and(|s| {
                        s.eq_ignore_ascii_case(sid)
                            || SERVICE_SIDS.iter().any(|x| s.eq_ignore_ascii_case(x))
                    }),
                    format!(
                        "this user ({sid}) or a service account (SYSTEM, LocalService, \
                         NetworkService)"
                    ),
                ),
                (None, None) => (false, "this process's user (unreadable)".to_string()),
            },
            ServerIdentity::SameUser => match (own_uid, &own_sid) {
                (Some(uid), _) => (server.peer_uid == Some(uid), format!("uid {uid}")),
                (None, Some(sid)) => (
                    server
                        .peer_sid
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(sid)),
                    format!("user {}", sid.to_ascii_uppercase()),
                ),
                (None, None) => (false, "this process's user (unreadable)".to_string()),
            },
            ServerIdentity::Uid(uid) => (server.peer_uid == Some(*uid), format!("uid {uid}")),
            ServerIdentity::Sid(sid) => (
                server
                    .peer_sid
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(sid)),
                format!("user {}", sid.to_ascii_uppercase()),
            ),
        };
        if admitted {
            Ok(())
        } else {
            // Named only on refusal: a user-database lookup (NSS, perhaps
            // over the network) has no place on every connect.
            Err((expected, describe(server)))
        }
    }
}

/// Who the OS says the server is, in words.
fn describe(server: &ConnectInfo) -> String {
    if let Some(uid) = server.peer_uid {
        #[cfg(unix)]
        return identity::describe_uid(uid);
        #[cfg(not(unix))]
        return format!("uid {uid}");
    }
    if let Some(sid) = &server.peer_sid {
        return format!("user {}", sid.to_ascii_uppercase());
    }
    "an identity the OS does not report".to_string()
}

/// The written form [`FromStr`] reads back.
impl fmt::Display for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerIdentity::SameUserOrSystem => f.write_str("same-user-or-system"),
            ServerIdentity::SameUser => f.write_str("same-user"),
            ServerIdentity::Uid(uid) => write!(f, "{uid}"),
            ServerIdentity::Sid(sid) => f.write_str(sid),
            ServerIdentity::Any => f.write_str("any"),
        }
    }
}

/// `same-user-or-system`, `same-user`, a uid (digits), a SID (`S-1-...`),
/// or `any`, as command lines write it.
impl FromStr for ServerIdentity {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input {
            "same-user-or-system" => return Ok(ServerIdentity::SameUserOrSystem),
            "same-user" => return Ok(ServerIdentity::SameUser),
            "any" => return Ok(ServerIdentity::Any),
            _ => {}
        }
        if let Ok(uid) = input.parse() {
            return Ok(ServerIdentity::Uid(uid));
        }
        if input.to_ascii_uppercase().starts_with("S-1-") {
            return Ok(ServerIdentity::Sid(input.to_string()));
        }
        Err(format!(
            "`{input}` is not same-user-or-system, same-user, any, a uid or a SID (S-1-...)"
        ))
    }
}

#[cfg(test)]
mod tests;
