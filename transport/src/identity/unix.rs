/// This process's effective uid: the one `SO_PEERCRED` reports to peers.
pub(crate) fn current_uid() -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    Some(unsafe { libc::geteuid() })
}

/// Unix users have no SID.
pub(crate) fn current_sid() -> Option<String> {
    None
}
