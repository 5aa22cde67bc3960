//! One shutdown signal, shared by the serve loops and the long-lived streams.
//!
//! tonic's graceful shutdown stops accepting and waits for open calls, but a
//! Watch or a paced Count never ends by itself; those streams wait on this
//! signal too and close with `UNAVAILABLE`, so clients know to reconnect
//! rather than seeing a broken pipe.

use tokio::sync::watch;

/// Fires once, for every clone.
#[derive(Clone, Debug)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

/// Fires the paired [`Shutdown`].
#[derive(Debug)]
pub struct ShutdownTrigger {
    tx: watch::Sender<bool>,
}

impl Shutdown {
    /// A signal and the trigger that fires it.
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger { tx }, Shutdown { rx })
    }

    /// Completes once shutdown has begun (at once if it already has).
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        // An error means the trigger was dropped: treat that as shutdown too.
        let _ = rx.wait_for(|&down| down).await;
    }
}

impl ShutdownTrigger {
    /// Begins shutdown.
    pub fn fire(&self) {
        self.tx.send_replace(true);
    }
}

/// The status a stream ends with when the server stops under it.
pub fn shutting_down() -> tonic::Status {
    tonic::Status::unavailable("the server is shutting down")
}
