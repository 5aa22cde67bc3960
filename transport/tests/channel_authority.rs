//! The `:authority` a `Channel` sends: `localhost` for a local address by
//! default, or what `ChannelBuilder::authority` says.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use piperpc::{Address, ChannelBuilder, Listener};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

fn local_address() -> Address {
    let name = format!("piperpc-channel-authority-{}", std::process::id());
    if cfg!(windows) {
        Address::parse(&format!(r"\\.\pipe\{name}")).unwrap()
    } else {
        Address::parse(&format!(
            "unix:{}/{name}.sock",
            std::env::temp_dir().display()
        ))
        .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authority_sent_is_the_default_or_the_one_set() {
    let address = local_address();
    let listener = Listener::bind(&address).expect("bind");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .layer(tower::util::MapRequestLayer::new(
                move |request: http::Request<tonic::body::Body>| {
                    let authority = request.uri().authority().map(|a| a.to_string());
                    record.lock().unwrap().push(authority.unwrap_or_default());
                    request
                },
            ))
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );

    for builder in [
        ChannelBuilder::new(address.clone()).unwrap(),
        ChannelBuilder::new(address.clone())
            .unwrap()
            .authority("example.org:8443".parse().unwrap()),
    ] {
        let channel = tokio::time::timeout(Duration::from_secs(10), builder.connect())
            .await
            .expect("connect within 10s")
            .expect("connect");
        HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .expect("health check");
    }
    assert_eq!(*seen.lock().unwrap(), ["localhost", "example.org:8443"]);
    server.abort();
}
