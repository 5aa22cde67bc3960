//! Everything that can make pipecurl fail, and the exit status of each.
//!
//! The statuses are grpcurl's, so scripts written for one work with the
//! other: an RPC that ends in an error exits with 64 + its gRPC status code
//! (a deadline is 68, `NOT_FOUND` 69); everything caught before or around the
//! call (usage, bad request data, an unknown method, no server) exits with 1.
//! Messages name what went wrong and where: the address, the method, the
//! line and column of bad JSON.

use std::fmt;
use std::io;

use tonic::Status;

/// Why pipecurl stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line is wrong; the message says how.
    Usage(String),
    /// No connection could be opened to the server.
    Connect(piperpc::Error),
    /// The schema could not be had: no reflection, unreadable .proto files
    /// or protosets, descriptors that do not fit together.
    Schema(String),
    /// A service, method or symbol that the schema does not have.
    NotFound(String),
    /// The request data is not what the method takes (bad JSON, too many
    /// messages for a unary call, a read error on stdin).
    Input(String),
    /// The RPC itself ended with an error status.
    Rpc(Status),
    /// The `--max-time` deadline passed before the call began (while
    /// connecting, asking for the schema or reading request data); says
    /// what was being done.
    Timeout(String),
    /// Writing the results failed (stdout closed, disk full).
    Output(io::Error),
}

impl Failure {
    /// The process exit status, as grpcurl's.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            // Codes run 0..=16, so this cannot overflow.
            Failure::Rpc(status) => 64 + status.code() as u8,
            _ => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => {
                write!(f, "{message}\nTry 'pipecurl --help' for more information.")
            }
            Failure::Connect(error) => write!(f, "Failed to dial target host: {error}"),
            Failure::Schema(message) | Failure::NotFound(message) => f.write_str(message),
            Failure::Input(message) => write!(f, "Error in the request data: {message}"),
            Failure::Rpc(status) => write!(
                f,
                "ERROR:\n  Code: {:?}\n  Message: {}",
                status.code(),
                status.message()
            ),
            Failure::Timeout(doing) => {
                write!(
                    f,
                    "Timed out {doing}: the deadline set by --max-time passed"
                )
            }
            Failure::Output(error) => write!(f, "Failed to write the output: {error}"),
        }
    }
}

impl std::error::Error for Failure {}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        Failure::Output(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_grpcurl() {
        assert_eq!(Failure::Usage("x".into()).exit_code(), 1);
        assert_eq!(Failure::Input("x".into()).exit_code(), 1);
        assert_eq!(
            Failure::Rpc(Status::deadline_exceeded("late")).exit_code(),
            68
        );
        assert_eq!(Failure::Rpc(Status::not_found("gone")).exit_code(), 69);
        assert_eq!(Failure::Rpc(Status::unauthenticated("who")).exit_code(), 80);
    }

    #[test]
    fn rpc_errors_print_code_name_and_message() {
        let text = Failure::Rpc(Status::not_found("no key \"k\"")).to_string();
        assert_eq!(text, "ERROR:\n  Code: NotFound\n  Message: no key \"k\"");
    }
}
