//! Every RPC kind of Echo, from a separate process and from in-test clients.

use piperpc_demo::proto::demo::{ChatRequest, CollectRequest, CountRequest, EchoRequest};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::common::{Server, call_ok, stubs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_echo() {
    let server = Server::start();
    assert_eq!(call_ok(server.address(), &["echo", "hello"]), "hello\n");

    let mut stubs = stubs(server.address()).await;
    let request = EchoRequest {
        message: "hi".into(),
        payload: vec![1, 2, 3].into(),
        return_metadata: false,
        delay_ms: 0,
    };
    let reply = stubs.echo.echo(request).await.unwrap();
    // gRPC has no use for HTTP's `date` header, and piperpc sends none.
    assert!(reply.metadata().get("date").is_none(), "{reply:?}");
    let reply = reply.into_inner();
    assert_eq!(reply.message, "hi");
    assert_eq!(&reply.payload[..], &[1, 2, 3]);
    // The server learned our pid from the OS, not from anything we sent.
    assert_eq!(reply.peer_pid, std::process::id());
}

/// The calls of one connection are served side by side in its task, and
/// past the server's 200 streams at once the client queues the rest: all
/// of 300 slow calls on one channel are answered, in far less time than
/// one after another would take (60 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_at_once_on_one_connection_are_all_answered() {
    let server = Server::start();
    let stubs = stubs(server.address()).await;
    let started = std::time::Instant::now();
    let calls: Vec<_> = (0..300)
        .map(|i| {
            let mut echo = stubs.echo.clone();
            tokio::spawn(async move {
                let request = EchoRequest {
                    message: format!("call {i}"),
                    delay_ms: 200,
                    ..Default::default()
                };
                echo.echo(request)
                    .await
                    .map(|reply| reply.into_inner().message)
            })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let reply = call.await.expect("the call's task").expect("answered");
        assert_eq!(reply, format!("call {i}"));
    }
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(30),
        "{took:?}: not side by side"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stream_count() {
    let server = Server::start();
    assert_eq!(call_ok(server.address(), &["count", "3"]), "1\n2\n3\n");

    let mut stubs = stubs(server.address()).await;
    let request = CountRequest {
        count: 4,
        payload_size: 10,
        interval_ms: 0,
    };
    let mut stream = stubs.echo.count(request).await.unwrap().into_inner();
    let mut got = Vec::new();
    while let Some(message) = stream.message().await.unwrap() {
        assert_eq!(message.payload.len(), 10);
        got.push(message.number);
    }
    assert_eq!(got, [1, 2, 3, 4]);

    let too_many = CountRequest {
        count: 2_000_000,
        ..Default::default()
    };
    let status = stubs.echo.count(too_many).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("count"), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_stream_collect() {
    let server = Server::start();
    assert_eq!(
        call_ok(server.address(), &["collect", "ab", "cde", ""]),
        "count=3 total_bytes=5\n"
    );

    let mut stubs = stubs(server.address()).await;
    let requests = (0..100).map(|i| CollectRequest {
        data: vec![0; i].into(),
    });
    let reply = stubs
        .echo
        .collect(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((reply.count, reply.total_bytes), (100, 4950));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_chat_answers_each_message_as_it_arrives() {
    let server = Server::start();
    assert_eq!(
        call_ok(server.address(), &["chat", "one", "two"]),
        "you said: one\nyou said: two\n"
    );

    // Send the next message only after the previous answer arrived: a server
    // that waited for the end of the request stream would deadlock here.
    let mut stubs = stubs(server.address()).await;
    let (tx, rx) = mpsc::channel(1);
    let mut answers = stubs
        .echo
        .chat(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    for (i, text) in ["a", "b", "c"].into_iter().enumerate() {
        tx.send(ChatRequest { text: text.into() }).await.unwrap();
        let answer = answers.message().await.unwrap().expect("an answer");
        assert_eq!(answer.sequence, i as u64 + 1);
        assert_eq!(answer.text, format!("you said: {text}"));
    }
    drop(tx);
    assert!(answers.message().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    let server = Server::start();
    assert_eq!(call_ok(server.address(), &["health"]), "SERVING\n");
    assert_eq!(
        call_ok(server.address(), &["health", "piperpc.demo.v1.KeyValue"]),
        "SERVING\n"
    );
}
