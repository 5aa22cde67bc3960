//! Who may call: a peer policy, checked on every request before any service
//! sees it.
//!
//! The OS, not the peer, says who is on the other end ([`ConnectInfo`]: uid
//! and gid from `SO_PEERCRED` on Unix, the user SID of the client process on
//! Windows). [`PeerPolicy`] decides from that alone; [`PeerPolicyLayer`]
//! answers a refused request with `PERMISSION_DENIED` and a reason, and never
//! hands its body to the service.
//!
//! TCP peers carry no OS identity. With mutual TLS (feature `tls`) a
//! verified client certificate is theirs, and [`PeerPolicy::allow_san`]
//! admits them by its subject alternative names; otherwise only
//! [`PeerPolicy::any`] (or a custom predicate) admits them.
//!
//! On Windows a policy can also require things of the peer's token and
//! session beyond its user: [`PeerPolicy::min_integrity`],
//! [`PeerPolicy::require_server_elevation`],
//! [`PeerPolicy::require_server_session`].

mod layer;
mod service;
mod token_rules;

use std::fmt;
use std::sync::Arc;

pub use layer::PeerPolicyLayer;
pub use service::PeerPolicyService;

use crate::ConnectInfo;
use crate::identity;
use token_rules::TokenRules;

type Predicate = dyn Fn(&ConnectInfo) -> Result<(), Refusal> + Send + Sync;

/// Why a [`PeerPolicy`] refused a peer: the reason the caller is told
/// (`PERMISSION_DENIED: permission denied: REASON`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    reason: String,
}

impl Refusal {
    /// A refusal for `reason`, which names who was refused and why.
    pub fn new(reason: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
        }
    }

    /// The reason, as given.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Refusal {}

impl From<String> for Refusal {
    fn from(reason: String) -> Refusal {
        Refusal::new(reason)
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Refusal {
        Refusal::new(reason)
    }
}

/// Which peers may call.
#[derive(Clone, Default)]
pub struct PeerPolicy {
    any: bool,
    same_user: bool,
    uids: Vec<u32>,
    gids: Vec<u32>,
    sids: Vec<String>,
    sans: Vec<String>,
    custom: Option<Arc<Predicate>>,
    /// Integrity, elevation and session requirements (Windows).
    token: TokenRules,
}

impl PeerPolicy {
    /// Everyone who can open the pipe or socket (its permissions still apply).
    pub fn any() -> PeerPolicy {
        PeerPolicy {
            any: true,
            ..PeerPolicy::default()
        }
    }

    /// Only peers running as the same user as this process (same effective
    /// uid on Unix, same user SID on Windows).
    pub fn same_user() -> PeerPolicy {
        PeerPolicy {
            same_user: true,
            ..PeerPolicy::default()
        }
    }

    /// Nobody, until `allow_*` adds someone.
    pub fn nobody() -> PeerPolicy {
        PeerPolicy::default()
    }

    /// Only peers `predicate` accepts; its `Err` is the reason given to the
    /// refused caller.
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::{PeerPolicy, peer_policy::Refusal};
    ///
    /// // Loopback TCP only (a test rig, say); every local transport refused.
    /// let policy = PeerPolicy::custom(|peer| match peer.peer_addr {
    ///     Some(addr) if addr.ip().is_loopback() => Ok(()),
    ///     _ => Err(Refusal::new("only loopback TCP may call")),
    /// });
    /// # let _ = policy;
    /// ```
    pub fn custom<F>(predicate: F) -> PeerPolicy
    where
        F: Fn(&ConnectInfo) -> Result<(), Refusal> + Send + Sync + 'static,
    {
        PeerPolicy {
            custom: Some(Arc::new(predicate)),
            ..PeerPolicy::default()
        }
    }

    /// Also admit peers running as `uid` (Unix).
    pub fn allow_uid(mut self, uid: u32) -> PeerPolicy {
        self.uids.push(uid);
        self
    }

    /// Also admit peers whose effective group is `gid` (Unix).
    pub fn allow_gid(mut self, gid: u32) -> PeerPolicy {
        self.gids.push(gid);
        self
    }

    /// Also admit peers running as the user `sid` (Windows, `S-1-5-...`).
    pub fn allow_sid(mut self, sid: impl Into<String>) -> PeerPolicy {
        self.sids.push(sid.into().to_ascii_uppercase());
        self
    }

    /// Also admit TLS clients whose verified certificate carries the
    /// subject alternative name `san`: a DNS name (compared without regard
    /// to case), a URI such as a SPIFFE ID, an IP address or an e-mail
    /// address. Only a server that requires client certificates (mutual
    /// TLS) has any to compare.
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::PeerPolicy;
    ///
    /// // This user's local processes, and one workload over mutual TLS.
    /// let policy = PeerPolicy::same_user().allow_san("spiffe://example.org/worker");
    /// # let _ = policy;
    /// ```
    pub fn allow_san(mut self, san: impl Into<String>) -> PeerPolicy {
        self.sans.push(san.into());
        self
    }

    /// True when every peer is admitted without looking at it.
    pub fn admits_anyone(&self) -> bool {
        self.any && self.token.is_empty()
    }

    /// `Ok` when `peer` may call: its user is admitted, and it meets the
    /// integrity, elevation and session requirements, if any.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] saying who the peer is and why it may not call.
    pub fn check(&self, peer: &ConnectInfo) -> Result<(), Refusal> {
        self.check_user(peer)?;
        // The token rules are about local Windows processes; a TCP peer
        // has no token, and its certificate has already spoken.
        if !peer.is_local() {
            return Ok(());
        }
        self.token.check(peer)
    }

    /// The user check: `any`, the predicate, or the allow lists.
    fn check_user(&self, peer: &ConnectInfo) -> Result<(), Refusal> {
        if self.any {
            return Ok(());
        }
        if let Some(custom) = &self.custom {
            return custom(peer);
        }
        if !peer.is_local() {
            return self.check_remote(peer);
        }
        if let Some(uid) = peer.peer_uid {
            if self.same_user && Some(uid) == identity::current_uid() || self.uids.contains(&uid) {
                return Ok(());
            }
            if peer.peer_gid.is_some_and(|gid| self.gids.contains(&gid)) {
                return Ok(());
            }
            return Err(Refusal::new(format!(
                "uid {uid} is not allowed to call this server"
            )));
        }
        if let Some(sid) = &peer.peer_sid {
            let sid = sid.to_ascii_uppercase();
            let own = identity::current_sid();
            if self.same_user && own.as_deref() == Some(sid.as_str()) || self.sids.contains(&sid) {
                return Ok(());
            }
            return Err(Refusal::new(format!(
                "user {sid} is not allowed to call this server"
            )));
        }
        Err(Refusal::new(
            "the OS did not say who the peer is, so it cannot be admitted",
        ))
    }

    /// A TCP peer: admitted only by an allowed SAN of its verified
    /// certificate.
    fn check_remote(&self, peer: &ConnectInfo) -> Result<(), Refusal> {
        let Some(certificate) = &peer.peer_certificate else {
            return Err(Refusal::new(
                "a TCP peer without a verified client certificate has no identity; this \
                 server admits it only if told to admit any peer",
            ));
        };
        let allowed = certificate
            .sans
            .iter()
            .any(|san| self.sans.iter().any(|allowed| san.matches(allowed)));
        if allowed {
            return Ok(());
        }
        Err(Refusal::new(format!(
            "the client certificate {certificate} is not allowed to call this server"
        )))
    }
}

impl fmt::Debug for PeerPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerPolicy")
            .field("any", &self.any)
            .field("same_user", &self.same_user)
            .field("uids", &self.uids)
            .field("gids", &self.gids)
            .field("sids", &self.sids)
            .field("sans", &self.sans)
            .field("custom", &self.custom.is_some())
            .field("token", &self.token)
            .finish()
    }
}

#[cfg(test)]
mod tests;
