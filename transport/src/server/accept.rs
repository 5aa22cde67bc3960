//! Serving one stream of connections: take each and serve it in a task of
//! its own, until the stop.

use std::any::Any;

use futures_core::Stream;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::transport::server::Connected;
use tower::BoxError;

use super::Settings;
use super::connection;
use super::drain::Drain;
use super::stack::Application;
use crate::Connection;

/// Takes connections from `incoming` until `stopping` turns true or the
/// stream ends, then drops it (a listener's socket file is removed) and
/// waits for its connections to finish their open calls. Dropping the
/// future closes every connection at once.
///
/// # Errors
///
/// The first error `incoming` yields, as tonic's server does; the
/// connections already taken are still served to their end. (A
/// [`Listener`](crate::Listener)'s `Incoming` yields none: it logs failed
/// accepts and goes on.)
pub(super) async fn serve<I, IO, IE>(
    incoming: I,
    application: Application,
    settings: Settings,
    drain: Drain,
    mut stopping: watch::Receiver<bool>,
) -> Result<(), BoxError>
where
    I: Stream<Item = Result<IO, IE>> + Send,
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
    IO::ConnectInfo: Clone + Send + Sync + 'static,
    IE: Into<BoxError>,
{
    // Boxed, not pinned in place: dropping it must close a listener.
    let mut incoming = Box::pin(incoming);
    let mut connections = JoinSet::new();
    let each_connection = stopping.clone();
    let mut outcome = Ok(());
    loop {
        tokio::select! {
            _ = stopping.wait_for(|&stop| stop) => break,
            accepted = incoming.next() => {
                let io = match accepted {
                    Some(Ok(io)) => io,
                    Some(Err(error)) => {
                        outcome = Err(error.into());
                        break;
                    }
                    None => break,
                };
                let application = application.clone();
                let (drain, stopping) = (drain.clone(), each_connection.clone());
                match (&io as &dyn Any).downcast_ref::<Connection>() {
                    // A piperpc connection knows more of its peer than
                    // `Connected` tells.
                    Some(connection) => {
                        let info = connection.info();
                        let peer = (info.peer_pid, info.peer_addr);
                        let extensions = connection.extensions();
                        connections.spawn(connection::serve(
                            io, extensions, peer, application, &settings, drain, stopping,
                        ));
                    }
                    None => {
                        let info = io.connect_info();
                        let extensions = move |extensions: &mut http::Extensions| {
                            extensions.insert(info.clone());
                        };
                        let peer = "a connection from serve_with_incoming";
                        connections.spawn(connection::serve(
                            io, extensions, peer, application, &settings, drain, stopping,
                        ));
                    }
                }
            }
            // Reaps finished connections as it goes, so the set stays the
            // size of the open ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(incoming);
    while connections.join_next().await.is_some() {}
    outcome
}
