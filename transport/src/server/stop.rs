//! What tells a server to stop.
//!
//! Ctrl-C everywhere, SIGTERM on Unix, and optionally the end of standard
//! input: a supervisor (a test harness, or a parent app under Wine, where
//! console signals are awkward to deliver) stops its child portably by
//! closing the child's stdin.
//!
//! The library installs no handler by itself: an application that wants
//! them calls [`StopSignal::install`], before it announces that it is
//! ready (a signal sent right after the ready line must stop the server
//! gracefully, not kill it with the default action), and passes
//! [`StopSignal::stopped`] to a `serve_with_shutdown`.

use std::io;

/// Installed stop handlers; [`StopSignal::wait`] completes on the first
/// stop request.
#[derive(Debug)]
pub struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
    stdin_closed: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl StopSignal {
    /// Installs handlers for Ctrl-C (and SIGTERM on Unix) now. Must be
    /// called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// The OS refused to install a handler.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let mut stop = piperpc::server::StopSignal::install()?.or_stdin_closed();
    /// println!("stopping: {}", stop.wait().await);
    /// # Ok(())
    /// # }
    /// ```
    pub fn install() -> io::Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignal {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                stdin_closed: None,
            })
        }
        #[cfg(windows)]
        {
            Ok(StopSignal {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
                stdin_closed: None,
            })
        }
    }

    /// Also stop when standard input reaches its end (or breaks). What is
    /// written to it is read and ignored.
    ///
    /// Stdin is read by a plain thread of its own rather than the runtime's
    /// blocking pool: a read blocked in the pool would hold up the runtime's
    /// shutdown (and so the process's exit) until input came.
    pub fn or_stdin_closed(mut self) -> StopSignal {
        let (closed, stdin_closed) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 256];
            while let Ok(1..) = std::io::stdin().read(&mut buf) {}
            let _ = closed.send(());
        });
        self.stdin_closed = Some(stdin_closed);
        self
    }

    /// Completes on the first stop request, after logging what asked for
    /// it: the future to hand to
    /// [`Bound::serve_with_shutdown`](super::Bound::serve_with_shutdown) or
    /// [`Server::serve_with_shutdown`](super::Server::serve_with_shutdown)
    /// (or tonic's own `serve_with_shutdown`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::server::{Server, StopSignal};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// Server::builder()
    ///     .add_service(health)
    ///     .serve_with_shutdown("my-app", StopSignal::install()?.stopped())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stopped(mut self) {
        let why = self.wait().await;
        tracing::info!("{why}: stopping");
    }

    /// Completes when a stop is requested; returns what asked for it
    /// (`"Ctrl-C"`, `"SIGTERM"`, `"end of standard input"`).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a signal that arrives while no `wait` is running is
    /// kept for the next one.
    pub async fn wait(&mut self) -> &'static str {
        let closed = &mut self.stdin_closed;
        let stdin_closed = async move {
            match closed {
                // Once closed, it stays closed.
                Some(closed) if closed.is_terminated() => {}
                Some(closed) => {
                    let _ = closed.await;
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => "Ctrl-C",
            _ = self.terminate.recv() => "SIGTERM",
            () = stdin_closed => "end of standard input",
        }
        #[cfg(windows)]
        tokio::select! {
            _ = self.ctrl_c.recv() => "Ctrl-C",
            () = stdin_closed => "end of standard input",
        }
    }
}
