//! Windows integrity levels: how far the OS trusts a process, whoever its
//! user is.
//!
//! Every Windows access token carries a mandatory label, a SID
//! `S-1-16-<rid>` whose last part (the RID) ranks it: a sandboxed process
//! runs at Low, an ordinary one at Medium, an elevated one at High, services
//! at System. Objects carry a label too, and a process below an object's
//! label may not write to it ("no write up"), whatever its DACL says.
//!
//! The type is defined on every OS so that code reading [`ConnectInfo`] or
//! building a [`PeerPolicy`] compiles everywhere; only Windows ever reports
//! one.
//!
//! [`ConnectInfo`]: crate::ConnectInfo
//! [`PeerPolicy`]: crate::PeerPolicy

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A Windows integrity level, ordered by its RID (Untrusted < Low < Medium
/// < High < System).
///
/// Levels between the named ones (medium-plus, 0x2100; protected
/// processes, 0x5000) are [`IntegrityLevel::Other`]; two levels are equal
/// when their RIDs are, however they were written.
///
/// # Examples
///
/// ```
/// use piperpc::IntegrityLevel;
///
/// assert!(IntegrityLevel::Low < IntegrityLevel::Medium);
/// assert_eq!(IntegrityLevel::from_rid(0x3000), IntegrityLevel::High);
/// assert_eq!(IntegrityLevel::Other(0x2000), IntegrityLevel::Medium);
/// assert_eq!(IntegrityLevel::from_rid(0x2100).to_string(), "integrity 0x2100");
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum IntegrityLevel {
    /// RID 0x0000: anonymous logons, some sandboxes.
    Untrusted,
    /// RID 0x1000: sandboxed processes (a browser's renderers, say).
    Low,
    /// RID 0x2000: an ordinary user's processes.
    Medium,
    /// RID 0x3000: elevated ("Run as administrator") processes.
    High,
    /// RID 0x4000: services running as SYSTEM.
    System,
    /// Any other RID.
    Other(u32),
}

impl IntegrityLevel {
    /// The level a token's label RID names (`Other` when none of the named
    /// ones does).
    pub fn from_rid(rid: u32) -> IntegrityLevel {
        match rid {
            0x0000 => IntegrityLevel::Untrusted,
            0x1000 => IntegrityLevel::Low,
            0x2000 => IntegrityLevel::Medium,
            0x3000 => IntegrityLevel::High,
            0x4000 => IntegrityLevel::System,
            other => IntegrityLevel::Other(other),
        }
    }

    /// The label's RID: the last part of its SID `S-1-16-<rid>`.
    pub fn rid(self) -> u32 {
        match self {
            IntegrityLevel::Untrusted => 0x0000,
            IntegrityLevel::Low => 0x1000,
            IntegrityLevel::Medium => 0x2000,
            IntegrityLevel::High => 0x3000,
            IntegrityLevel::System => 0x4000,
            IntegrityLevel::Other(rid) => rid,
        }
    }

    /// The label's SID in SDDL: an abbreviation (`LW`, `ME`, `HI`, `SI`)
    /// where SDDL has one, `S-1-16-<rid>` otherwise.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn sddl_sid(self) -> String {
        match IntegrityLevel::from_rid(self.rid()) {
            IntegrityLevel::Low => "LW".to_string(),
            IntegrityLevel::Medium => "ME".to_string(),
            IntegrityLevel::High => "HI".to_string(),
            IntegrityLevel::System => "SI".to_string(),
            other => format!("S-1-16-{}", other.rid()),
        }
    }
}

impl PartialEq for IntegrityLevel {
    fn eq(&self, other: &IntegrityLevel) -> bool {
        self.rid() == other.rid()
    }
}

impl Eq for IntegrityLevel {}

impl Hash for IntegrityLevel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rid().hash(state);
    }
}

impl PartialOrd for IntegrityLevel {
    fn partial_cmp(&self, other: &IntegrityLevel) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IntegrityLevel {
    fn cmp(&self, other: &IntegrityLevel) -> Ordering {
        self.rid().cmp(&other.rid())
    }
}

impl fmt::Display for IntegrityLevel {
    /// `low integrity`, `high integrity`, `integrity 0x2100`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match IntegrityLevel::from_rid(self.rid()) {
            IntegrityLevel::Untrusted => f.write_str("untrusted integrity"),
            IntegrityLevel::Low => f.write_str("low integrity"),
            IntegrityLevel::Medium => f.write_str("medium integrity"),
            IntegrityLevel::High => f.write_str("high integrity"),
            IntegrityLevel::System => f.write_str("system integrity"),
            other => write!(f, "integrity {:#x}", other.rid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_by_rid_and_round_trip() {
        let named = [
            IntegrityLevel::Untrusted,
            IntegrityLevel::Low,
            IntegrityLevel::Medium,
            IntegrityLevel::High,
            IntegrityLevel::System,
        ];
        assert!(named.windows(2).all(|pair| pair[0] < pair[1]));
        for level in named {
            assert_eq!(IntegrityLevel::from_rid(level.rid()), level);
        }
        let medium_plus = IntegrityLevel::from_rid(0x2100);
        assert!(IntegrityLevel::Medium < medium_plus && medium_plus < IntegrityLevel::High);
        assert_eq!(IntegrityLevel::Other(0x1000), IntegrityLevel::Low);
    }

    #[test]
    fn sddl_names_levels_as_windows_abbreviates_them() {
        assert_eq!(IntegrityLevel::Medium.sddl_sid(), "ME");
        assert_eq!(IntegrityLevel::Other(0x1000).sddl_sid(), "LW");
        assert_eq!(IntegrityLevel::Untrusted.sddl_sid(), "S-1-16-0");
        assert_eq!(IntegrityLevel::Other(0x2100).sddl_sid(), "S-1-16-8448");
    }
}
