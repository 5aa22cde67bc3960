use std::ptr;
use std::sync::OnceLock;

use super::TokenFacts;
use crate::IntegrityLevel;
use windows_sys::Win32::Foundation::{CloseHandle, ERROR_SUCCESS, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, GetSecurityInfo, SE_KERNEL_OBJECT,
};
use windows_sys::Win32::Security::{
    GetSidSubAuthority, GetSidSubAuthorityCount, GetTokenInformation, IsValidSid,
    OWNER_SECURITY_INFORMATION, PSID, TOKEN_ELEVATION, TOKEN_INFORMATION_CLASS,
    TOKEN_MANDATORY_LABEL, TOKEN_QUERY, TOKEN_USER, TokenElevation, TokenIntegrityLevel,
    TokenSessionId, TokenUser,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

/// Windows users have no uid.
pub(crate) fn current_uid() -> Option<u32> {
    None
}

/// This process's own token, read once.
pub(crate) fn current_token() -> &'static TokenFacts {
    static FACTS: OnceLock<TokenFacts> = OnceLock::new();
    FACTS.get_or_init(|| {
        // SAFETY: the pseudo-handle of the current process needs no closing.
        unsafe { token_facts(GetCurrentProcess()) }
    })
}

/// The user SID (`S-1-5-21-...`) this process runs as, read once.
pub(crate) fn current_sid() -> Option<String> {
    current_token().sid.clone()
}

/// The token of the process `pid`, if this process may ask.
pub(crate) fn process_token(pid: u32) -> TokenFacts {
    // SAFETY: OpenProcess returns null on failure; a real handle is closed.
    unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            return TokenFacts::default();
        }
        let facts = token_facts(process);
        CloseHandle(process);
        facts
    }
}

/// The user SID the process `pid` runs as, if this process may ask.
#[cfg(test)]
pub(crate) fn process_sid(pid: u32) -> Option<String> {
    process_token(pid).sid
}

/// # Safety
/// `process` must be a valid process handle with query rights.
unsafe fn token_facts(process: HANDLE) -> TokenFacts {
    unsafe {
        let mut token: HANDLE = ptr::null_mut();
        if OpenProcessToken(process, TOKEN_QUERY, &mut token) == 0 {
            return TokenFacts::default();
        }
        let facts = TokenFacts {
            sid: token_info(token, TokenUser).and_then(|buffer| {
                let user = &*(buffer.as_ptr() as *const TOKEN_USER);
                sid_string(user.User.Sid)
            }),
            integrity: token_info(token, TokenIntegrityLevel).and_then(|buffer| {
                let label = &*(buffer.as_ptr() as *const TOKEN_MANDATORY_LABEL);
                label_rid(label.Label.Sid).map(IntegrityLevel::from_rid)
            }),
            elevated: token_info(token, TokenElevation).map(|buffer| {
                let elevation = &*(buffer.as_ptr() as *const TOKEN_ELEVATION);
                elevation.TokenIsElevated != 0
            }),
            session_id: token_info(token, TokenSessionId).map(|buffer| buffer[0] as u32),
        };
        CloseHandle(token);
        facts
    }
}

/// One `GetTokenInformation` class of `token`, in a buffer of u64s (aligned
/// for every `TOKEN_*` structure).
///
/// # Safety
/// `token` must be a valid token handle with `TOKEN_QUERY`.
unsafe fn token_info(token: HANDLE, class: TOKEN_INFORMATION_CLASS) -> Option<Vec<u64>> {
    unsafe {
        let mut needed = 0u32;
        GetTokenInformation(token, class, ptr::null_mut(), 0, &mut needed);
        if needed == 0 {
            return None;
        }
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
        let ok = GetTokenInformation(
            token,
            class,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        );
        (ok != 0).then_some(buffer)
    }
}

/// The last sub-authority of a label SID `S-1-16-<rid>`: the level's RID.
///
/// # Safety
/// `sid` must be null or point to a SID.
unsafe fn label_rid(sid: PSID) -> Option<u32> {
    unsafe {
        if sid.is_null() || IsValidSid(sid) == 0 {
            return None;
        }
        let count = *GetSidSubAuthorityCount(sid);
        let last = u32::from(count).checked_sub(1)?;
        Some(*GetSidSubAuthority(sid, last))
    }
}

/// The owner SID of the kernel object behind `handle` (a pipe, say): who
/// created it. The fallback when the process behind a pipe is not ours to
/// query (a service's token usually is not), since an ordinary user cannot
/// make another principal the owner of what it creates.
pub(crate) fn handle_owner_sid(handle: HANDLE) -> Option<String> {
    let mut owner: PSID = ptr::null_mut();
    let mut descriptor = ptr::null_mut();
    // SAFETY: `handle` is a live handle of the caller's; the owner pointer
    // points into `descriptor`, which is freed after its last use.
    unsafe {
        let status = GetSecurityInfo(
            handle,
            SE_KERNEL_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &mut owner,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut descriptor,
        );
        if status != ERROR_SUCCESS || owner.is_null() {
            return None;
        }
        let sid = sid_string(owner);
        LocalFree(descriptor);
        sid
    }
}

/// `S-1-5-...` for a binary SID.
///
/// # Safety
/// `sid` must point to a valid SID.
unsafe fn sid_string(sid: PSID) -> Option<String> {
    unsafe {
        let mut wide = ptr::null_mut();
        if ConvertSidToStringSidW(sid, &mut wide) == 0 {
            return None;
        }
        let len = (0..).take_while(|&i| *wide.add(i) != 0).count();
        let text = String::from_utf16_lossy(std::slice::from_raw_parts(wide, len));
        LocalFree(wide.cast());
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use std::os::windows::io::AsRawHandle;

    use super::*;

    /// The fallback a client uses when the server's token is closed to it:
    /// a listener's pipe is owned by the user who serves it.
    #[tokio::test]
    async fn a_client_reads_the_serving_user_as_the_pipes_owner() {
        let name = format!(r"\\.\pipe\piperpc-owner-{}", std::process::id());
        let _listener =
            crate::Listener::bind(crate::Address::NamedPipe(name.clone())).expect("bind the pipe");
        let client = tokio::net::windows::named_pipe::ClientOptions::new()
            .open(&name)
            .expect("open the pipe");
        let owner = handle_owner_sid(client.as_raw_handle() as _);
        assert_eq!(owner, current_sid());
    }

    #[test]
    fn our_own_sid_is_a_user_sid() {
        let sid = current_sid().expect("this process's SID");
        assert!(sid.starts_with("S-1-5-"), "{sid}");
        assert_eq!(process_sid(std::process::id()), Some(sid));
    }
}
