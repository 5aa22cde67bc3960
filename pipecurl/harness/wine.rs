//! Telling Wine from Windows, for tests of behaviour Wine does not model.
//!
//! Windows code is often tested under Wine, which implements named pipes
//! and processes well but not everything (security descriptors, some
//! timing). A test of such a behaviour should say it was skipped, not pass
//! silently: [`skipped_under_wine`] does both in one line.

/// True when this process runs under Wine rather than on Windows; always
/// false off Windows.
pub fn is_wine() -> bool {
    #[cfg(windows)]
    {
        super::windows::is_wine()
    }
    #[cfg(not(windows))]
    {
        false
    }
}

/// Under Wine, prints `skipped under Wine: WHY` to standard error (past
/// libtest's capture, so it shows in the run's output) and returns true;
/// otherwise returns false. Use it first thing in a test:
///
/// ```
/// if pipecurl::harness::skipped_under_wine("Wine does not enforce pipe ACLs") {
///     return;
/// }
/// ```
pub fn skipped_under_wine(why: &str) -> bool {
    if is_wine() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped under Wine: {why}");
        return true;
    }
    false
}
