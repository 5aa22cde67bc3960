//! Windows-only pieces of the harness.

use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};

/// Wine's `ntdll` exports `wine_get_version`; Windows' does not.
pub(super) fn is_wine() -> bool {
    // SAFETY: both calls take NUL-terminated strings and return null on failure.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
    }
}
