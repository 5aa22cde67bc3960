use std::ptr;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
use windows_sys::Win32::Security::{GetTokenInformation, TOKEN_QUERY, TOKEN_USER, TokenUser};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

/// Windows users have no uid.
pub(crate) fn current_uid() -> Option<u32> {
    None
}

/// The user SID (`S-1-5-21-...`) this process runs as, read once.
pub(crate) fn current_sid() -> Option<String> {
    static SID: OnceLock<Option<String>> = OnceLock::new();
    SID.get_or_init(|| {
        // SAFETY: the pseudo-handle of the current process needs no closing.
        unsafe { token_user_sid(GetCurrentProcess()) }
    })
    .clone()
}

/// The user SID the process `pid` runs as, if this process may ask.
pub(crate) fn process_sid(pid: u32) -> Option<String> {
    // SAFETY: OpenProcess returns null on failure; a real handle is closed.
    unsafe {
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if process.is_null() {
            return None;
        }
        let sid = token_user_sid(process);
        CloseHandle(process);
        sid
    }
}

/// # Safety
/// `process` must be a valid process handle with query rights.
unsafe fn token_user_sid(process: HANDLE) -> Option<String> {
    unsafe {
        let mut token: HANDLE = ptr::null_mut();
        if OpenProcessToken(process, TOKEN_QUERY, &mut token) == 0 {
            return None;
        }
        let sid = token_user_sid_of(token);
        CloseHandle(token);
        sid
    }
}

unsafe fn token_user_sid_of(token: HANDLE) -> Option<String> {
    unsafe {
        let mut needed = 0u32;
        GetTokenInformation(token, TokenUser, ptr::null_mut(), 0, &mut needed);
        if needed == 0 {
            return None;
        }
        // u64s keep the buffer aligned for TOKEN_USER.
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
        if GetTokenInformation(
            token,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        ) == 0
        {
            return None;
        }
        let user = &*(buffer.as_ptr() as *const TOKEN_USER);
        let mut wide = ptr::null_mut();
        if ConvertSidToStringSidW(user.User.Sid, &mut wide) == 0 {
            return None;
        }
        let len = (0..).take_while(|&i| *wide.add(i) != 0).count();
        let sid = String::from_utf16_lossy(std::slice::from_raw_parts(wide, len));
        LocalFree(wide.cast());
        Some(sid)
    }
}
