//! Process B: calls through the generated stubs.
//!
//! - [`call`]: one command per RPC (`piperpc call ...`), printing results.
//! - [`demo`]: starts process A as a child and runs every RPC kind against it.
//! - [`load`]: many connections of mixed, checked calls (`piperpc load`).
//! - [`stubs`]: the generated clients on one channel, with message limits set.

/// `println!`, except that a standard output that has gone away (`piperpc
/// call ... | head`, or a parent that stopped reading) ends the process
/// quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::client::write_line(format_args!($($arg)*))
    };
}

pub mod call;
pub mod demo;
pub mod load;
pub mod stubs;

pub use stubs::Stubs;

/// Writes one line to stdout; see `say!`.
pub(crate) fn write_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}
