//! End-to-end tests: `piperpc serve` runs as a real process (A) and is
//! driven by `piperpc call` processes (B) and by clients inside the test,
//! over real pipes (`\\.\pipe\...` on Windows, Unix sockets elsewhere).

mod attacks;
mod common;
mod deadlines;
mod echo;
mod faults;
mod hostile;
mod hung;
mod interop;
mod keyvalue;
mod lifecycle;
mod load;
mod reliability;
mod security;
#[cfg(unix)]
mod socket_activation;
mod squatting;
#[cfg(feature = "tls")]
mod tls;
mod users;
