//! KeyValue: state lives in process A and is shared by every client.

use std::time::Duration;

use piperpc_demo::proto::demo::{GetRequest, PutRequest, WatchRequest, watch_event::Kind};
use tonic::Code;

use crate::common::{Server, call, call_ok, stubs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_get_list_delete_across_processes() {
    let server = Server::start();
    let a = server.address();
    assert_eq!(
        call_ok(a, &["put", "fruit/apple", "red"]),
        "stored fruit/apple at revision 1\n"
    );
    assert_eq!(
        call_ok(a, &["put", "fruit/kiwi", "green"]),
        "stored fruit/kiwi at revision 2\n"
    );
    assert_eq!(
        call_ok(a, &["put", "veg/leek", "white"]),
        "stored veg/leek at revision 3\n"
    );
    assert_eq!(
        call_ok(a, &["put", "fruit/apple", "green"]),
        "replaced fruit/apple at revision 4\n"
    );
    // A different process reads what the others wrote.
    assert_eq!(call_ok(a, &["get", "fruit/apple"]), "green\n");
    assert_eq!(
        call_ok(a, &["list", "fruit/"]),
        "fruit/apple = green\nfruit/kiwi = green\n"
    );
    assert_eq!(
        call_ok(a, &["del", "fruit/kiwi"]),
        "deleted at revision 5\n"
    );

    let missing = call(a, &["get", "fruit/kiwi"]);
    assert_eq!(missing.status.code(), Some(64 + Code::NotFound as i32));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("NotFound") && stderr.contains("fruit/kiwi"),
        "{stderr}"
    );

    let mut stubs = stubs(a).await;
    let entry = stubs
        .keyvalue
        .get(GetRequest {
            key: "veg/leek".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .entry
        .unwrap();
    assert_eq!((&entry.value[..], entry.revision), (&b"white"[..], 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_keys_are_invalid_argument() {
    let server = Server::start();
    let mut stubs = stubs(server.address()).await;
    for key in [String::new(), "k".repeat(1025)] {
        let status = stubs
            .keyvalue
            .put(PutRequest {
                key,
                value: "v".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_pushes_every_change_under_its_prefix() {
    let server = Server::start();
    let a = server.address().to_string();
    let mut stubs = stubs(&a).await;
    let mut watch = stubs
        .keyvalue
        .watch(WatchRequest {
            prefix: "w/".into(),
        })
        .await
        .unwrap()
        .into_inner();

    // Changes made by other processes.
    let writer = a.clone();
    tokio::task::spawn_blocking(move || {
        call_ok(&writer, &["put", "w/1", "one"]);
        call_ok(&writer, &["put", "elsewhere", "x"]);
        call_ok(&writer, &["put", "w/2", "two"]);
        call_ok(&writer, &["del", "w/1"]);
    })
    .await
    .unwrap();

    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(30), watch.message())
            .await
            .expect("watch event in time")
            .unwrap()
            .expect("stream open");
        let key = event.entry.as_ref().unwrap().key.clone();
        seen.push((event.kind(), key, event.revision));
    }
    assert_eq!(
        seen,
        [
            (Kind::Put, "w/1".to_string(), 1),
            (Kind::Put, "w/2".to_string(), 3),
            (Kind::Delete, "w/1".to_string(), 4),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_from_a_client_process() {
    let server = Server::start();
    let a = server.address().to_string();
    let watcher = {
        let a = a.clone();
        std::thread::spawn(move || call_ok(&a, &["watch", "p/", "--max", "2"]))
    };
    // The watch process subscribes asynchronously: write until it has seen two.
    let mut stubs = stubs(&a).await;
    let mut n = 0;
    while !watcher.is_finished() {
        n += 1;
        let request = PutRequest {
            key: format!("p/{n}"),
            value: "v".into(),
        };
        stubs.keyvalue.put(request).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(n < 1200, "the watch process never saw two changes");
    }
    let out = watcher.join().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("put p/")), "{out}");
}
