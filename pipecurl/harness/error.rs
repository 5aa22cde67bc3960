//! What can go wrong in the harness itself, as opposed to a call ending
//! with a non-OK gRPC status (that is a [`Reply`](super::Reply)).

use std::fmt;
use std::process::ExitStatus;
use std::time::Duration;

/// A harness failure: the server did not start or stop as it should, or a
/// call could not be made. Every message names the command, address or
/// method concerned.
#[derive(Debug)]
#[non_exhaustive]
pub enum HarnessError {
    /// The server's command could not be run.
    Spawn {
        /// The command, as `Debug` prints it.
        command: String,
        /// Why it could not be run.
        source: std::io::Error,
    },
    /// The server exited before printing all its ready lines.
    ExitedEarly {
        /// The command.
        command: String,
        /// How it exited.
        status: ExitStatus,
    },
    /// The server printed no (or not all) ready lines in time.
    NotReady {
        /// The command.
        command: String,
        /// How long it was given.
        waited: Duration,
    },
    /// A command run with [`run`](super::run) did not finish in time and
    /// was killed.
    Overran {
        /// The command.
        command: String,
        /// How long it was given.
        waited: Duration,
    },
    /// The server did not exit after its standard input was closed (nor,
    /// on Unix, after SIGTERM) and had to be killed.
    Killed {
        /// How long it was given.
        waited: Duration,
    },
    /// The server exited, but not with status 0.
    Unclean(ExitStatus),
    /// Waiting for the server's exit failed.
    Wait(std::io::Error),
    /// No connection to the server could be made.
    Connect {
        /// The address.
        address: String,
        /// Why.
        source: piperpc::Error,
    },
    /// The method could not be resolved: no reflection, no such service or
    /// method, or a header that is not valid metadata.
    Method {
        /// The method, as written.
        method: String,
        /// What is wrong.
        reason: String,
    },
    /// The JSON request is not a message of the method's input type.
    Request {
        /// The method.
        method: String,
        /// What is wrong with the JSON.
        reason: String,
    },
    /// The thread or runtime a call runs on could not be started.
    Runtime(std::io::Error),
    /// The call (connecting, reflection and the call itself) did not end
    /// within its timeout.
    TimedOut {
        /// The method.
        method: String,
        /// The timeout.
        timeout: Duration,
    },
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Spawn { command, source } => {
                write!(f, "cannot start {command}: {source}")
            }
            HarnessError::ExitedEarly { command, status } => write!(
                f,
                "the server {command} exited ({status}) before saying \"listening on ADDRESS\""
            ),
            HarnessError::NotReady { command, waited } => write!(
                f,
                "the server {command} did not say \"listening on ADDRESS\" within {waited:?}"
            ),
            HarnessError::Overran { command, waited } => write!(
                f,
                "{command} did not finish within {waited:?} and was killed"
            ),
            HarnessError::Killed { waited } => write!(
                f,
                "the server did not exit within {waited:?} of its standard input closing \
                 and had to be signalled"
            ),
            HarnessError::Unclean(status) => write!(f, "the server exited uncleanly: {status}"),
            HarnessError::Wait(source) => write!(f, "waiting for the server to exit: {source}"),
            HarnessError::Connect { address, source } => {
                write!(f, "cannot connect to {address}: {source}")
            }
            HarnessError::Method { method, reason } => {
                write!(f, "cannot call \"{method}\": {reason}")
            }
            HarnessError::Request { method, reason } => {
                write!(f, "bad request for \"{method}\": {reason}")
            }
            HarnessError::Runtime(source) => {
                write!(f, "cannot run the call's thread and runtime: {source}")
            }
            HarnessError::TimedOut { method, timeout } => {
                write!(f, "the call of \"{method}\" did not end within {timeout:?}")
            }
        }
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarnessError::Spawn { source, .. }
            | HarnessError::Wait(source)
            | HarnessError::Runtime(source) => Some(source),
            HarnessError::Connect { source, .. } => Some(source),
            _ => None,
        }
    }
}
