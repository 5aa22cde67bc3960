//! The peer policy as a tower layer: refused calls get PERMISSION_DENIED and
//! never reach the service; admitted ones do.

mod common;

use common::unique_address;
use piperpc::{Listener, PeerPolicy, PeerPolicyLayer};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

async fn check_with(policy: PeerPolicy) -> Result<(), tonic::Status> {
    let address = unique_address("layer");
    let listener = Listener::bind(&address).unwrap();
    let (_reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(PeerPolicyLayer::new(policy))
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );
    let channel = piperpc::connect(&address.to_string()).await.unwrap();
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_refused_peer_gets_permission_denied_with_the_reason() {
    let status = check_with(PeerPolicy::nobody()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    assert!(
        status.message().contains("is not allowed to call"),
        "{status:?}"
    );
}

#[tokio::test]
async fn the_same_user_is_admitted() {
    check_with(PeerPolicy::same_user()).await.unwrap();
}

#[tokio::test]
async fn a_custom_predicate_decides() {
    let status = check_with(PeerPolicy::custom(|peer| match peer.peer_pid {
        Some(pid) if pid == std::process::id() => {
            Err(format!("pid {pid} is on the deny list").into())
        }
        _ => Ok(()),
    }))
    .await
    .unwrap_err();
    assert!(status.message().contains("deny list"), "{status:?}");
}
