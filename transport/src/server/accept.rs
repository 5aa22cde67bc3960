//! Serving one address: accept connections and serve each in a task of its
//! own, until the stop.

use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::service::Routes;

use super::Settings;
use super::connection;
use super::drain::Drain;
use crate::Listener;

/// Accepts on `listener` until `stopping` turns true, then closes it (a
/// socket file is removed) and waits for its connections to finish their
/// open calls. Dropping the future closes every connection at once.
pub(super) async fn serve(
    listener: Listener,
    routes: Routes,
    settings: Settings,
    drain: Drain,
    mut stopping: watch::Receiver<bool>,
) {
    let mut incoming = listener.into_incoming();
    let mut connections = JoinSet::new();
    let each_connection = stopping.clone();
    loop {
        tokio::select! {
            _ = stopping.wait_for(|&stop| stop) => break,
            accepted = futures_util::StreamExt::next(&mut incoming) => {
                // `Incoming` never ends and never fails: it logs and retries.
                let Some(Ok(accepted)) = accepted else { break };
                connections.spawn(connection::serve(
                    accepted,
                    routes.clone(),
                    &settings,
                    drain.clone(),
                    each_connection.clone(),
                ));
            }
            // Reaps finished connections as it goes, so the set stays the
            // size of the open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(incoming);
    while connections.join_next().await.is_some() {}
}
