//! Who may open a named pipe: the security descriptor every instance gets.
//!
//! Without one, Windows gives a pipe a default DACL that lets Everyone read
//! it, and `FILE_GENERIC_WRITE` would include `FILE_CREATE_PIPE_INSTANCE`
//! (the right to serve the name). So every instance, not only the first, is
//! created with an explicit descriptor: the creating user and SYSTEM have full
//! access, and any other principal a preset admits gets read and write of
//! data, never the right to create an instance.

/// Read and write of pipe data, without `FILE_CREATE_PIPE_INSTANCE`:
/// `FILE_GENERIC_READ | FILE_GENERIC_WRITE` (0x12019f) less 0x4.
// Used by the Windows listener only, but tested on every OS.
#[cfg_attr(not(windows), allow(dead_code))]
const CLIENT_ACCESS_MASK: u32 = 0x0012_019b;

/// The security descriptor for pipe instances (ignored for other addresses).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipeSecurity {
    /// The creating user and SYSTEM only (the default).
    #[default]
    CurrentUser,
    /// Also the local Administrators group, as clients.
    CurrentUserAndAdministrators,
    /// Also every authenticated user, as clients.
    AuthenticatedUsers,
    /// A descriptor of the caller's own, in SDDL (validated at bind).
    Sddl(String),
}

impl PipeSecurity {
    /// The SDDL for this setting, for a server running as `user_sid`.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn to_sddl(&self, user_sid: &str) -> String {
        // O: the creating user owns the pipe, even when elevated (where
        // Windows would make Administrators the owner): a client that may not
        // read the server's token reads the owner instead.
        // P: protected, so nothing is inherited from a parent.
        let base = format!("O:{user_sid}D:P(A;;GA;;;SY)(A;;GA;;;{user_sid})");
        match self {
            PipeSecurity::CurrentUser => base,
            PipeSecurity::CurrentUserAndAdministrators => {
                format!("{base}(A;;0x{CLIENT_ACCESS_MASK:x};;;BA)")
            }
            PipeSecurity::AuthenticatedUsers => format!("{base}(A;;0x{CLIENT_ACCESS_MASK:x};;;AU)"),
            PipeSecurity::Sddl(sddl) => sddl.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_grant_clients_data_access_but_never_instance_creation() {
        let me = "S-1-5-21-1-2-3-1001";
        assert_eq!(
            PipeSecurity::CurrentUser.to_sddl(me),
            "O:S-1-5-21-1-2-3-1001D:P(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)"
        );
        for preset in [
            PipeSecurity::CurrentUserAndAdministrators,
            PipeSecurity::AuthenticatedUsers,
        ] {
            let sddl = preset.to_sddl(me);
            assert!(sddl.starts_with(
                "O:S-1-5-21-1-2-3-1001D:P(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;0x12019b;;;"
            ));
        }
        assert_eq!(CLIENT_ACCESS_MASK & 0x4, 0, "FILE_CREATE_PIPE_INSTANCE");
        assert_eq!(CLIENT_ACCESS_MASK | 0x4, 0x0012_019f);
    }
}
