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
pub(crate) use unix::{current_sid, current_uid, describe_uid};
#[cfg(windows)]
pub(crate) use windows::{current_sid, current_uid, handle_owner_sid, process_sid};
