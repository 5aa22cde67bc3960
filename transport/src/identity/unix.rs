use std::ffi::CStr;

/// This process's effective uid: the one `SO_PEERCRED` reports to peers.
pub(crate) fn current_uid() -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    Some(unsafe { libc::geteuid() })
}

/// Unix users have no SID.
pub(crate) fn current_sid() -> Option<String> {
    None
}

/// Unix processes have no Windows token: every fact is `None`.
pub(crate) fn current_token() -> &'static super::TokenFacts {
    static NONE: super::TokenFacts = super::TokenFacts {
        sid: None,
        integrity: None,
        elevated: None,
        session_id: None,
    };
    &NONE
}

/// `uid 1000 (alice)`, or `uid 1000` when the user database has no name
/// for it.
pub(crate) fn describe_uid(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("uid {uid} ({name})"),
        None => format!("uid {uid}"),
    }
}

fn user_name(uid: u32) -> Option<String> {
    // SAFETY: `passwd` is plain data; all zeroes is a valid value.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let mut buffer = vec![0 as libc::c_char; 4096];
    // SAFETY: every pointer is valid for the call; the strings `entry`
    // points to live in `buffer`, which outlives their use below.
    let status = unsafe {
        libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name is a NUL-terminated string
    // in `buffer`.
    let name = unsafe { CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}
