//! Large messages, long streams, many clients.

use piperpc_demo::client::Stubs;
use piperpc_demo::proto::demo::{ChatRequest, CountRequest, EchoRequest};
use prost::Message;
use tonic::Code;

use crate::common::{MAX_MESSAGE, Server, call_ok, stubs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_mib_messages_each_way() {
    let server = Server::start();
    let mut stubs = stubs(server.address()).await;

    // Just under the 4 MiB limit after protobuf framing, in both directions:
    // 64 times the 64 KiB pipe buffer.
    let payload: Vec<u8> = (0..MAX_MESSAGE - 16).map(|i| (i % 251) as u8).collect();
    let request = EchoRequest {
        message: String::new(),
        payload: payload.clone().into(),
        return_metadata: false,
        delay_ms: 0,
    };
    assert!(request.encoded_len() > MAX_MESSAGE - 32);
    let reply = stubs.echo.echo(request).await.unwrap().into_inner();
    assert!(reply.encoded_len() > MAX_MESSAGE - 32 && reply.encoded_len() <= MAX_MESSAGE);
    assert!(
        reply.payload[..] == payload[..],
        "payload corrupted in transit"
    );

    let request = CountRequest {
        count: 2,
        payload_size: (MAX_MESSAGE - 16) as u32,
        interval_ms: 0,
    };
    let mut stream = stubs.echo.count(request).await.unwrap().into_inner();
    let mut received = 0;
    while let Some(message) = stream.message().await.unwrap() {
        assert_eq!(message.payload.len(), MAX_MESSAGE - 16);
        received += 1;
    }
    assert_eq!(received, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_is_resource_exhausted() {
    let server = Server::start();
    let channel = piperpc::connect(server.address()).await.unwrap();
    // This client would send up to 8 MiB; the server accepts 4 MiB.
    let mut big = Stubs::new(channel, 2 * MAX_MESSAGE);
    let request = EchoRequest {
        payload: vec![0; MAX_MESSAGE + 1].into(),
        ..Default::default()
    };
    let status = big.echo.echo(request).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains(&MAX_MESSAGE.to_string()),
        "{status:?}"
    );

    // The connection is still good for normal calls.
    let ok = big.echo.echo(EchoRequest::default()).await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_streamed_messages_arrive_in_order() {
    let server = Server::start();
    let mut stubs = stubs(server.address()).await;
    let request = CountRequest {
        count: 10_000,
        payload_size: 100,
        interval_ms: 0,
    };
    let mut stream = stubs.echo.count(request).await.unwrap().into_inner();
    let mut expected = 1;
    while let Some(message) = stream.message().await.unwrap() {
        assert_eq!(message.number, expected);
        expected += 1;
    }
    assert_eq!(expected, 10_001);

    // And through a client process.
    let out = call_ok(server.address(), &["count", "10000"]);
    let numbers: Vec<u32> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(numbers, (1..=10_000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_clients_on_separate_connections() {
    let server = Server::start();
    let mut clients = Vec::new();
    for _ in 0..32 {
        clients.push(stubs(server.address()).await);
    }
    let tasks = clients.into_iter().enumerate().map(|(i, mut stubs)| {
        tokio::spawn(async move {
            let message = format!("client {i}");
            let reply = stubs
                .echo
                .echo(EchoRequest {
                    message: message.clone(),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(reply.message, message);

            let request = CountRequest {
                count: 50 + i as u32,
                ..Default::default()
            };
            let mut stream = stubs.echo.count(request).await.unwrap().into_inner();
            let mut last = 0;
            while let Some(m) = stream.message().await.unwrap() {
                assert_eq!(m.number, last + 1);
                last = m.number;
            }
            assert_eq!(last, 50 + i as u32);

            let chat = [ChatRequest {
                text: message.clone(),
            }];
            let mut answers = stubs
                .echo
                .chat(tokio_stream::iter(chat))
                .await
                .unwrap()
                .into_inner();
            let answer = answers.message().await.unwrap().unwrap();
            assert_eq!(answer.text, format!("you said: {message}"));
        })
    });
    for task in tasks.collect::<Vec<_>>() {
        task.await.expect("a client failed");
    }

    // Client processes at the same time as each other.
    let address = server.address().to_string();
    let processes: Vec<_> = (0..4)
        .map(|i| {
            let address = address.clone();
            std::thread::spawn(move || call_ok(&address, &["echo", &format!("process {i}")]))
        })
        .collect();
    for (i, process) in processes.into_iter().enumerate() {
        assert_eq!(process.join().unwrap(), format!("process {i}\n"));
    }
}
