//! The identities the OS gives this process and its peers.
//!
//! Unix identifies users by uid; Windows by SID, read from a process's
//! access token. Each platform file answers what the other cannot, with
//! `None` where a question has no answer there.

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub(crate) use unix::{current_sid, current_token, current_uid, describe_uid};
#[cfg(windows)]
pub(crate) use windows::{
    current_sid, current_token, current_uid, handle_owner_sid, process_token,
};

use crate::IntegrityLevel;

/// What a Windows access token says about its process; every field `None`
/// when the token is closed to this process (another user's, a service's)
/// and on Unix, which has no such token.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenFacts {
    /// The user SID, `S-1-5-...` (read on Windows only).
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) sid: Option<String>,
    /// The mandatory label's level (`TokenIntegrityLevel`).
    pub(crate) integrity: Option<IntegrityLevel>,
    /// `TokenElevation`.
    pub(crate) elevated: Option<bool>,
    /// The Windows session the token belongs to (`TokenSessionId`).
    pub(crate) session_id: Option<u32>,
}
