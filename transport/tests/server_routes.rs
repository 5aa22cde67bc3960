//! `Server` finds each call's service by the name in its path, as tonic's
//! router does: every added service answers its own calls, a name nobody
//! has gets `UNIMPLEMENTED`, a later service of the same name replaces the
//! earlier, and (with `tonic-routes`) tonic's own `Routes` serve the names
//! the server's services do not have.

mod common;

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use common::{check, health, spawn, unique_address};
use http::{Request, Response};
use piperpc::Server;
use tonic::body::Body;
use tonic::server::NamedService;
use tower::{Service, ServiceExt};

/// A service named `test.Tagged` that answers every call with `OK` and
/// its tag in an `x-tag` header, so a test sees which one answered.
#[derive(Clone)]
struct Tagged(&'static str);

impl NamedService for Tagged {
    const NAME: &'static str = "test.Tagged";
}

impl Service<Request<Body>> for Tagged {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        let (mut parts, ()) = tonic::Status::ok("").into_http::<()>().into_parts();
        parts.headers.insert("x-tag", self.0.parse().unwrap());
        ready(Ok(Response::from_parts(parts, Body::empty())))
    }
}

/// What a call to `path` drew: its `grpc-status` and `x-tag` headers.
async fn call(address: &str, path: &str) -> (String, Option<String>) {
    let channel = piperpc::connect(address).await.unwrap();
    let request = Request::builder()
        .method("POST")
        .uri(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Body::empty())
        .unwrap();
    let response = channel.oneshot(request).await.unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|value: &http::HeaderValue| value.to_str().unwrap().to_owned())
    };
    (header("grpc-status").unwrap_or_default(), header("x-tag"))
}

const UNIMPLEMENTED: &str = "12";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_answers_its_own_name_and_an_unknown_one_is_unimplemented() {
    let address = unique_address("routes");
    let (_reporter, health_service) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .add_service(health_service)
        .add_service(Tagged("only"))
        .bind([address.clone()])
        .unwrap();
    spawn(bound);
    let address = address.to_string();

    check(&mut health(&address).await).await.unwrap();
    assert_eq!(
        call(&address, "/test.Tagged/Any").await,
        ("0".into(), Some("only".into()))
    );
    for unknown in ["/test.Other/Any", "/test.Tagge/Any", "/test.Tagged", "/"] {
        assert_eq!(
            call(&address, unknown).await,
            (UNIMPLEMENTED.into(), None),
            "{unknown}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_service_of_the_same_name_replaces_the_earlier() {
    let address = unique_address("routes");
    let bound = Server::builder()
        .add_service(Tagged("first"))
        .add_service(Tagged("second"))
        .bind([address.clone()])
        .unwrap();
    spawn(bound);

    let answer = call(&address.to_string(), "/test.Tagged/Any").await;
    assert_eq!(answer, ("0".into(), Some("second".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_service_every_call_is_unimplemented() {
    let address = unique_address("routes");
    spawn(Server::builder().bind([address.clone()]).unwrap());

    let answer = call(&address.to_string(), "/test.Tagged/Any").await;
    assert_eq!(answer, (UNIMPLEMENTED.into(), None));
}

/// tonic's `Routes` given to `add_routes` serve what the server's own
/// services do not, earlier routes before later ones.
#[cfg(feature = "tonic-routes")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonic_routes_serve_the_names_the_services_do_not_have() {
    let address = unique_address("routes");
    let (_reporter, health_service) = tonic_health::server::health_reporter();
    let earlier = tonic::service::Routes::new(Tagged("from routes"));
    let later = tonic::service::Routes::new(health_service);
    let bound = Server::builder()
        .add_routes(earlier)
        .add_routes(later)
        .bind([address.clone()])
        .unwrap();
    spawn(bound);
    let address = address.to_string();

    check(&mut health(&address).await).await.unwrap();
    assert_eq!(
        call(&address, "/test.Tagged/Any").await,
        ("0".into(), Some("from routes".into()))
    );
    assert_eq!(
        call(&address, "/test.Other/Any").await,
        (UNIMPLEMENTED.into(), None)
    );
}

/// A service added with `add_service` keeps its name against routes.
#[cfg(feature = "tonic-routes")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_service_keeps_its_name_against_tonic_routes() {
    let address = unique_address("routes");
    let bound = Server::builder()
        .add_routes(tonic::service::Routes::new(Tagged("from routes")))
        .add_service(Tagged("added"))
        .bind([address.clone()])
        .unwrap();
    spawn(bound);

    let answer = call(&address.to_string(), "/test.Tagged/Any").await;
    assert_eq!(answer, ("0".into(), Some("added".into())));
}
