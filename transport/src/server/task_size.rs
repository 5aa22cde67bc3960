//! What an idle connection's task holds, kept from growing back: every
//! connection keeps its future on the heap for as long as it is open.

use std::mem::size_of_val;

use hyper_util::rt::TokioIo;
use tokio::sync::watch;
use tower::BoxError;

use super::connection;
use super::drain::Drain;
use super::stack::Application;
use crate::executor::Spawner;

#[tokio::test]
async fn a_connections_future_holds_hyper_s_connection_once() {
    let (_client, io) = tokio::io::duplex(1024);
    let application = Application::new(tower::service_fn(|_| async {
        Err::<http::Response<tonic::body::Body>, BoxError>("not called".into())
    }));
    let (_stop, stopping) = watch::channel(false);
    let server = super::Server::builder();
    let driver = connection::serve(
        io,
        |_: &mut http::Extensions| {},
        "test",
        application,
        &server.settings,
        Drain::default(),
        stopping,
    );

    // hyper's connection alone, on the same kind of stream, with a service
    // that holds nothing.
    let (_client, io) = tokio::io::duplex(1024);
    let service = hyper::service::service_fn(|_: http::Request<hyper::body::Incoming>| async {
        Err::<http::Response<tonic::body::Body>, BoxError>("not called".into())
    });
    let hyper_alone = hyper::server::conn::http2::Builder::new(Spawner::default())
        .serve_connection(TokioIo::new(io), service);

    // The server's own state around hyper's connection is a few hundred
    // bytes; a future that kept hyper's connection twice (once captured,
    // once moved into a `pin!`) was twice its size and more.
    let (size, hyper) = (driver.dispatcher_size(), size_of_val(&hyper_alone));
    assert!(
        size < 2 * hyper,
        "a connection's future is {size} bytes, hyper's connection {hyper}"
    );
}
