//! An SDDL string turned into a security descriptor the OS checks.

use std::ffi::c_void;
use std::io;

use windows_sys::Win32::Foundation::LocalFree;
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;

/// A self-relative security descriptor, freed on drop.
#[derive(Debug)]
pub(crate) struct SecurityDescriptor {
    raw: *mut c_void,
}

// SAFETY: the descriptor is written once by the OS and only read afterwards.
unsafe impl Send for SecurityDescriptor {}
// SAFETY: as above; nothing mutates it after creation.
unsafe impl Sync for SecurityDescriptor {}

impl SecurityDescriptor {
    /// Parses `sddl`; a malformed string is an `InvalidInput` error.
    pub(crate) fn from_sddl(sddl: &str) -> io::Result<SecurityDescriptor> {
        let wide: Vec<u16> = sddl.encode_utf16().chain(Some(0)).collect();
        let mut raw = std::ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated; `raw` receives a LocalAlloc'd
        // descriptor that Drop frees.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide.as_ptr(),
                SDDL_REVISION_1,
                &mut raw,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            let os = io::Error::last_os_error();
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("malformed SDDL `{sddl}`: {os}"),
            ));
        }
        Ok(SecurityDescriptor { raw })
    }

    /// `SECURITY_ATTRIBUTES` pointing at this descriptor; valid while `self` is.
    pub(crate) fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.raw,
            bInheritHandle: 0,
        }
    }
}

impl Drop for SecurityDescriptor {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
        unsafe { LocalFree(self.raw) };
    }
}
