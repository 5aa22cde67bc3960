//! What tells `piperpc serve` to stop.
//!
//! Ctrl-C everywhere, SIGTERM on Unix, and optionally the end of standard
//! input: a supervisor (such as `piperpc demo`, or a test under Wine, where
//! console signals are awkward to deliver) stops its child portably by
//! closing the child's stdin.

/// Completes when a stop is requested; returns what asked for it.
pub async fn stop_requested(watch_stdin: bool) -> &'static str {
    tokio::select! {
        () = ctrl_c() => "Ctrl-C",
        () = terminate() => "SIGTERM",
        () = stdin_closed(), if watch_stdin => "end of standard input",
    }
}

async fn ctrl_c() {
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "cannot listen for Ctrl-C");
        std::future::pending::<()>().await;
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut sigterm) => {
            sigterm.recv().await;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(windows)]
async fn terminate() {
    std::future::pending::<()>().await;
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
