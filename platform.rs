//! Facts about the platform the process runs on.

/// True when running under Wine rather than on Windows: Wine's `ntdll`
/// exports `wine_get_version`, Windows' does not. Tests use it to say
/// "skipped under Wine" where Wine does not model Windows, and the
/// benchmark to label its figures as not representative.
#[cfg(windows)]
pub fn is_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
    // SAFETY: both calls take NUL-terminated strings and return null on failure.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

/// Never under Wine off Windows.
#[cfg(not(windows))]
pub fn is_wine() -> bool {
    false
}
