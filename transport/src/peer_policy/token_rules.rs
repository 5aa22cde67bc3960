//! Requirements on what Windows says about a peer beyond its user: the
//! integrity level and elevation of its token, and its session.
//!
//! They narrow a [`PeerPolicy`] (every one must hold as well as the user
//! check), so an elevated service can refuse the same user's ordinary
//! processes, or a per-user broker the same user's other logons. They
//! compare the peer with this process's own token, and are ignored where
//! there is no token (Unix).

use super::{PeerPolicy, Refusal};
use crate::identity::{self, TokenFacts};
use crate::{ConnectInfo, IntegrityLevel};

/// The requirements a policy adds; none by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct TokenRules {
    min_integrity: Option<IntegrityLevel>,
    server_elevation: bool,
    server_session: bool,
}

impl TokenRules {
    pub(super) fn is_empty(&self) -> bool {
        *self == TokenRules::default()
    }

    /// `Ok` when `peer` meets every requirement, judged against this
    /// process's own token.
    pub(super) fn check(&self, peer: &ConnectInfo) -> Result<(), Refusal> {
        self.check_against(peer, identity::current_token())
    }

    fn check_against(&self, peer: &ConnectInfo, own: &TokenFacts) -> Result<(), Refusal> {
        if let (Some(min), Some(_)) = (self.min_integrity, own.integrity) {
            match peer.peer_integrity {
                Some(level) if level >= min => {}
                Some(level) => {
                    return Err(Refusal::new(format!(
                        "a client at {level} may not call this server, which requires {min} \
                         or above"
                    )));
                }
                None => {
                    return Err(Refusal::new(format!(
                        "the OS did not say the client's integrity level, and this server \
                         requires {min} or above"
                    )));
                }
            }
        }
        if self.server_elevation && own.elevated == Some(true) {
            match peer.peer_elevated {
                Some(true) => {}
                Some(false) => {
                    return Err(Refusal::new(
                        "a client that is not elevated may not call this elevated server",
                    ));
                }
                None => {
                    return Err(Refusal::new(
                        "the OS did not say whether the client is elevated, and this elevated \
                         server admits only elevated clients",
                    ));
                }
            }
        }
        if let (true, Some(session)) = (self.server_session, own.session_id) {
            match peer.peer_session_id {
                Some(theirs) if theirs == session => {}
                Some(theirs) => {
                    return Err(Refusal::new(format!(
                        "a client in Windows session {theirs} may not call this server in \
                         session {session}"
                    )));
                }
                None => {
                    return Err(Refusal::new(format!(
                        "the OS did not say the client's Windows session, and this server \
                         admits only its own (session {session})"
                    )));
                }
            }
        }
        Ok(())
    }
}

impl PeerPolicy {
    /// Windows: also require the peer's token to be at `level` or above
    /// (its mandatory label, [`ConnectInfo::peer_integrity`]). A peer whose
    /// token this process may not read is refused. Ignored on Unix.
    ///
    /// The pipe's own label
    /// ([`ListenerOptions::pipe_min_integrity`](crate::ListenerOptions::pipe_min_integrity))
    /// already keeps clients below medium from sending; this checks each
    /// connection's token, with a reason the refused client is told.
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::{IntegrityLevel, PeerPolicy};
    ///
    /// // This user's elevated processes only.
    /// let policy = PeerPolicy::same_user().min_integrity(IntegrityLevel::High);
    /// # let _ = policy;
    /// ```
    pub fn min_integrity(mut self, level: IntegrityLevel) -> PeerPolicy {
        self.token.min_integrity = Some(level);
        self
    }

    /// Windows: when this server runs elevated, admit only elevated peers
    /// ([`ConnectInfo::peer_elevated`]); a server that is not elevated
    /// requires nothing. A peer whose token this process may not read is
    /// refused by an elevated server. Ignored on Unix.
    ///
    /// By default an elevated server admits its user's ordinary processes
    /// too (see SECURITY.md); this is how to refuse them.
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::PeerPolicy;
    ///
    /// let policy = PeerPolicy::same_user().require_server_elevation();
    /// # let _ = policy;
    /// ```
    pub fn require_server_elevation(mut self) -> PeerPolicy {
        self.token.server_elevation = true;
        self
    }

    /// Windows: admit only peers in this server's own session
    /// ([`ConnectInfo::peer_session_id`]): the same logon's desktop, not
    /// the same user's other logons (Remote Desktop, Fast User Switching)
    /// or services (session 0). Ignored on Unix.
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::PeerPolicy;
    ///
    /// let policy = PeerPolicy::same_user().require_server_session();
    /// # let _ = policy;
    /// ```
    pub fn require_server_session(mut self) -> PeerPolicy {
        self.token.server_session = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(integrity: IntegrityLevel, elevated: bool, session: u32) -> TokenFacts {
        TokenFacts {
            sid: Some("S-1-5-21-1".to_string()),
            integrity: Some(integrity),
            elevated: Some(elevated),
            session_id: Some(session),
        }
    }

    fn client(
        integrity: Option<IntegrityLevel>,
        elevated: Option<bool>,
        session: Option<u32>,
    ) -> ConnectInfo {
        ConnectInfo {
            peer_pid: Some(7),
            peer_sid: Some("S-1-5-21-1".to_string()),
            peer_integrity: integrity,
            peer_elevated: elevated,
            peer_session_id: session,
            ..ConnectInfo::default()
        }
    }

    fn rules(policy: PeerPolicy) -> TokenRules {
        policy.token
    }

    #[test]
    fn no_rules_admit_any_token() {
        let rules = rules(PeerPolicy::same_user());
        assert!(rules.is_empty());
        let own = server(IntegrityLevel::High, true, 1);
        assert!(rules.check_against(&client(None, None, None), &own).is_ok());
    }

    #[test]
    fn min_integrity_refuses_lower_and_unknown_levels() {
        let rules = rules(PeerPolicy::same_user().min_integrity(IntegrityLevel::Medium));
        let own = server(IntegrityLevel::Medium, false, 1);
        let medium = client(Some(IntegrityLevel::Medium), Some(false), Some(1));
        let high = client(Some(IntegrityLevel::High), Some(true), Some(1));
        let low = client(Some(IntegrityLevel::Low), Some(false), Some(1));
        assert!(rules.check_against(&medium, &own).is_ok());
        assert!(rules.check_against(&high, &own).is_ok());
        let refused = rules.check_against(&low, &own).unwrap_err();
        assert_eq!(
            refused.reason(),
            "a client at low integrity may not call this server, which requires medium \
             integrity or above"
        );
        let unknown = rules
            .check_against(&client(None, None, Some(1)), &own)
            .unwrap_err();
        assert!(unknown.reason().contains("did not say"), "{unknown}");
    }

    #[test]
    fn an_elevated_server_can_require_elevated_clients() {
        let rules = rules(PeerPolicy::same_user().require_server_elevation());
        let elevated_server = server(IntegrityLevel::High, true, 1);
        let plain = client(Some(IntegrityLevel::Medium), Some(false), Some(1));
        let elevated = client(Some(IntegrityLevel::High), Some(true), Some(1));
        assert!(rules.check_against(&elevated, &elevated_server).is_ok());
        let refused = rules.check_against(&plain, &elevated_server).unwrap_err();
        assert!(refused.reason().contains("not elevated"), "{refused}");
        assert!(
            rules
                .check_against(&client(None, None, Some(1)), &elevated_server)
                .is_err()
        );
        // A server that is not elevated requires nothing.
        let plain_server = server(IntegrityLevel::Medium, false, 1);
        assert!(rules.check_against(&plain, &plain_server).is_ok());
    }

    #[test]
    fn require_server_session_admits_only_the_servers_session() {
        let rules = rules(PeerPolicy::same_user().require_server_session());
        let own = server(IntegrityLevel::Medium, false, 2);
        let same = client(Some(IntegrityLevel::Medium), Some(false), Some(2));
        let other = client(Some(IntegrityLevel::Medium), Some(false), Some(3));
        assert!(rules.check_against(&same, &own).is_ok());
        assert_eq!(
            rules.check_against(&other, &own).unwrap_err().reason(),
            "a client in Windows session 3 may not call this server in session 2"
        );
        assert!(
            rules
                .check_against(&client(None, None, None), &own)
                .is_err()
        );
    }

    #[test]
    fn without_a_token_of_its_own_a_server_ignores_the_rules() {
        let rules = rules(
            PeerPolicy::same_user()
                .min_integrity(IntegrityLevel::System)
                .require_server_elevation()
                .require_server_session(),
        );
        assert!(
            rules
                .check_against(&client(None, None, None), &TokenFacts::default())
                .is_ok()
        );
    }
}
