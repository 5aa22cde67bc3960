//! Who may open a named pipe: the security descriptor every instance gets.
//!
//! Without one, Windows gives a pipe a default DACL that lets Everyone read
//! it, and `FILE_GENERIC_WRITE` would include `FILE_CREATE_PIPE_INSTANCE`
//! (the right to serve the name). So every instance, not only the first, is
//! created with an explicit descriptor: the creating user and SYSTEM have full
//! access, and any other principal a preset admits gets read and write of
//! data, never the right to create an instance.
//!
//! Every preset also carries an explicit mandatory label, no-write-up at
//! medium integrity by default (`S:(ML;;NW;;;ME)`), so what a client below
//! that level may do does not depend on the creating process's defaults:
//! a sandboxed (low-integrity) process of the same user may not send to the
//! pipe unless the server lowers the label
//! ([`ListenerOptions::pipe_min_integrity`](crate::ListenerOptions::pipe_min_integrity)).

use crate::IntegrityLevel;

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
    /// The SDDL for this setting, for a server running as `user_sid`, with
    /// the no-write-up label `label` (an own [`PipeSecurity::Sddl`] is
    /// taken as it is, label and all).
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn to_sddl(&self, user_sid: &str, label: IntegrityLevel) -> String {
        let sacl = format!("S:(ML;;NW;;;{})", label.sddl_sid());
        match self {
            PipeSecurity::Sddl(sddl) => sddl.clone(),
            _ => format!("{}{sacl}", self.dacl(user_sid)),
        }
    }

    /// The owner and DACL part of a preset's SDDL.
    #[cfg_attr(not(windows), allow(dead_code))]
    fn dacl(&self, user_sid: &str) -> String {
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

/// The level of the label a pipe gets: the one asked for, or by default
/// medium, or the server's own level when that is lower (a sandboxed server
/// may not label anything above itself).
///
/// # Errors
///
/// A level above the server's own, which Windows refuses without
/// `SeRelabelPrivilege`, described.
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn pipe_label(
    requested: Option<IntegrityLevel>,
    own: Option<IntegrityLevel>,
) -> Result<IntegrityLevel, String> {
    match (requested, own) {
        (None, Some(own)) => Ok(own.min(IntegrityLevel::Medium)),
        (None, None) => Ok(IntegrityLevel::Medium),
        (Some(level), Some(own)) if level > own => Err(format!(
            "this process runs at {own}, so it cannot require {level} of its pipe's clients \
             (a label above one's own level needs SeRelabelPrivilege)"
        )),
        (Some(level), _) => Ok(level),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_grant_clients_data_access_but_never_instance_creation() {
        let me = "S-1-5-21-1-2-3-1001";
        assert_eq!(
            PipeSecurity::CurrentUser.to_sddl(me, IntegrityLevel::Medium),
            "O:S-1-5-21-1-2-3-1001D:P(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)S:(ML;;NW;;;ME)"
        );
        for preset in [
            PipeSecurity::CurrentUserAndAdministrators,
            PipeSecurity::AuthenticatedUsers,
        ] {
            let sddl = preset.to_sddl(me, IntegrityLevel::Medium);
            assert!(sddl.ends_with(")S:(ML;;NW;;;ME)"), "{sddl}");
            assert!(sddl.starts_with(
                "O:S-1-5-21-1-2-3-1001D:P(A;;GA;;;SY)(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;0x12019b;;;"
            ));
        }
        assert_eq!(CLIENT_ACCESS_MASK & 0x4, 0, "FILE_CREATE_PIPE_INSTANCE");
        assert_eq!(CLIENT_ACCESS_MASK | 0x4, 0x0012_019f);
    }

    #[test]
    fn the_label_is_the_one_asked_for_and_an_own_sddl_is_left_alone() {
        let me = "S-1-5-21-1-2-3-1001";
        assert!(
            PipeSecurity::CurrentUser
                .to_sddl(me, IntegrityLevel::Low)
                .ends_with(")S:(ML;;NW;;;LW)")
        );
        let own = "D:P(A;;GA;;;SY)".to_string();
        assert_eq!(
            PipeSecurity::Sddl(own.clone()).to_sddl(me, IntegrityLevel::Low),
            own
        );
    }

    #[test]
    fn the_default_label_is_medium_or_the_servers_own_lower_level() {
        use IntegrityLevel::*;
        assert_eq!(pipe_label(None, Some(High)), Ok(Medium));
        assert_eq!(pipe_label(None, Some(Medium)), Ok(Medium));
        assert_eq!(pipe_label(None, Some(Low)), Ok(Low));
        assert_eq!(pipe_label(None, None), Ok(Medium));
        assert_eq!(pipe_label(Some(Low), Some(Medium)), Ok(Low));
        assert_eq!(pipe_label(Some(High), Some(High)), Ok(High));
        let refused = pipe_label(Some(High), Some(Medium)).unwrap_err();
        assert!(
            refused.contains("runs at medium integrity") && refused.contains("high integrity"),
            "{refused}"
        );
    }
}
