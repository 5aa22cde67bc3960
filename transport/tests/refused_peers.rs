//! Refused peers cost little and bounded: a listener answers at most 16 of
//! them at a time (PERMISSION_DENIED and the reason); past that, a refused
//! connection is closed at once, unanswered, and room comes back as the
//! answered ones leave.

mod common;

use std::time::Duration;

use common::{PATIENCE, unique_address};
use piperpc::{ClientStream, Connector, ListenerOptions, PeerPolicy};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// How many refused peers a listener answers at once.
const ANSWERED_AT_ONCE: usize = 16;

/// What the server did first on a connection on which the client says
/// nothing: sent some bytes (its HTTP/2 SETTINGS: an answer is coming), or
/// closed it.
async fn first_word(stream: &mut ClientStream) -> Option<usize> {
    let mut buf = [0u8; 64];
    match timeout(PATIENCE, stream.read(&mut buf)).await {
        Err(_) => panic!("the server neither answered nor closed within {PATIENCE:?}"),
        Ok(Ok(0)) | Ok(Err(_)) => None,
        Ok(Ok(n)) => Some(n),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_peers_past_the_limit_are_closed_at_once_and_room_comes_back() {
    let address = unique_address("refused");
    let mut listener = ListenerOptions::new()
        .peer_policy(PeerPolicy::nobody())
        .bind(&address)
        .unwrap();
    // Everyone is refused: accept returns only on an OS error.
    tokio::spawn(async move { while listener.accept().await.is_err() {} });
    let connector = Connector::new(address.to_string()).unwrap();

    let mut answered = Vec::new();
    for _ in 0..ANSWERED_AT_ONCE {
        let mut stream = connector.connect().await.unwrap();
        assert!(
            first_word(&mut stream).await.is_some(),
            "a refused peer within the limit is answered"
        );
        answered.push(stream);
    }
    for _ in 0..4 {
        let mut stream = connector.connect().await.unwrap();
        assert_eq!(
            first_word(&mut stream).await,
            None,
            "a refused peer past the limit is closed unanswered"
        );
    }

    // As the answered ones leave, a refused caller learns why again.
    drop(answered);
    let told = timeout(PATIENCE, async {
        loop {
            // Until then, the connection is closed before its handshake.
            if let Ok(channel) = piperpc::connect(&address.to_string()).await {
                let status = HealthClient::new(channel)
                    .check(HealthCheckRequest::default())
                    .await
                    .unwrap_err();
                if status.code() == tonic::Code::PermissionDenied {
                    return status;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("room for an answer comes back");
    assert!(told.message().contains("permission denied"), "{told:?}");
}
