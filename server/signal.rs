//! What tells `piperpc serve` to stop.
//!
//! Ctrl-C everywhere, SIGTERM on Unix, and optionally the end of standard
//! input: a supervisor (such as `piperpc demo`, or a test under Wine, where
//! console signals are awkward to deliver) stops its child portably by
//! closing the child's stdin.
//!
//! Handlers are installed by [`StopSignals::install`], before the server
//! announces that it is ready: a signal sent right after the ready line must
//! stop the server gracefully, not kill it with the default action.

use std::io;

/// Installed stop handlers.
#[derive(Debug)]
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    watch_stdin: bool,
}

impl StopSignals {
    /// Installs the handlers now; `watch_stdin` adds end of stdin.
    pub fn install(watch_stdin: bool) -> io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                watch_stdin,
            })
        }
        #[cfg(windows)]
        {
            Ok(StopSignals {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
                watch_stdin,
            })
        }
    }

    /// Completes when a stop is requested; returns what asked for it.
    pub async fn recv(&mut self) -> &'static str {
        let watch_stdin = self.watch_stdin;
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => "Ctrl-C",
            _ = self.terminate.recv() => "SIGTERM",
            () = stdin_closed(), if watch_stdin => "end of standard input",
        }
        #[cfg(windows)]
        tokio::select! {
            _ = self.ctrl_c.recv() => "Ctrl-C",
            () = stdin_closed(), if watch_stdin => "end of standard input",
        }
    }
}

async fn stdin_closed() {
    use tokio::io::AsyncReadExt;
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    // Anything written is ignored; only end-of-file (or a broken stdin) stops.
    while let Ok(n) = stdin.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}
