//! The `pipecurl` binary: everything is in the library
//! ([`pipecurl::run_command_line`]).

fn main() -> std::process::ExitCode {
    pipecurl::run_command_line(std::env::args_os())
}
