//! Room for many open connections: the process's file descriptor limit.
//!
//! Every Unix socket is a descriptor at both ends, and the common soft
//! limit (1024) is far below the thousands of idle connections the memory
//! part can open. The soft limit is raised to what is needed, up to the
//! hard limit (which a process may do without privileges); the servers
//! inherit it, since they are started after. A hard limit below what is
//! needed is an error that says so, not a run that fails halfway through.

/// Raises the soft limit on open files to at least `needed`, or fails
/// naming the limit to raise (`ulimit -Hn`, `LimitNOFILE=`).
#[cfg(target_os = "linux")]
pub fn ensure(needed: u64) -> anyhow::Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid place for the answer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        anyhow::bail!(
            "reading the open-file limit: {}",
            std::io::Error::last_os_error()
        );
    }
    if limit.rlim_cur >= needed {
        return Ok(());
    }
    if limit.rlim_max < needed {
        anyhow::bail!(
            "this measurement needs {needed} open files, and the hard limit is {} \
             (raise it: `ulimit -Hn {needed}` as root, or LimitNOFILE= for a service)",
            limit.rlim_max
        );
    }
    let raised = libc::rlimit {
        rlim_cur: limit.rlim_max,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: a valid limit no higher than the hard one.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        anyhow::bail!(
            "raising the open-file limit to {}: {}",
            limit.rlim_max,
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_need_within_the_current_limit_is_met() {
        assert!(ensure(16).is_ok());
    }

    #[test]
    fn a_need_above_the_hard_limit_is_an_error_naming_it() {
        // Linux caps the hard limit at `nr_open`, far below this.
        let error = ensure(u64::MAX - 1).expect_err("no hard limit is that high");
        assert!(error.to_string().contains("hard limit"), "{error}");
    }
}
