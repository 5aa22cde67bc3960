//! Message limits apply to a message's decompressed size: a compressed bomb
//! (about 1 MiB of gzip, or under 64 KiB of zstd, inflating to 1 GiB of zeros)
//! sent to a server with the default 4 MiB decoding limit is
//! `RESOURCE_EXHAUSTED`, and the server's memory does not grow by anything
//! like a gigabyte.
//!
//! tonic (0.14.9) bounds decompression itself: it inflates into a buffer
//! limited to the decoding limit and fails the call when the limit is
//! reached. This test holds piperpc's stack to that. The bombs are built a
//! piece at a time: neither side ever holds the gigabyte.
//!
//! One test per binary: it reads the process's peak memory.

mod common;
mod raw_echo;

use std::io::Write;

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::BodyExt;
use piperpc::server::Server;
use raw_echo::{ECHO, EchoServer};
use tonic::codec::CompressionEncoding::{Gzip, Zstd};
use tower::{Service, ServiceExt};

const MIB: usize = 1024 * 1024;
/// What a bomb inflates to.
const INFLATED: usize = 1024 * MIB;

/// A gzip member inflating to [`INFLATED`] zeros: one deflate piece for
/// 1 MiB of zeros, ended by a sync flush so that it is byte-aligned and
/// refers only to itself, repeated; an empty final block; the CRC-32 of
/// the whole, combined from the piece's without reading a gigabyte.
fn gzip_bomb() -> Bytes {
    let zeros = vec![0u8; MIB];
    let mut deflate = flate2::Compress::new(flate2::Compression::best(), false);
    let mut piece = Vec::with_capacity(4096);
    deflate
        .compress_vec(&zeros, &mut piece, flate2::FlushCompress::Sync)
        .unwrap();
    assert_eq!(
        deflate.total_in(),
        MIB as u64,
        "one call took the whole MiB"
    );
    let mut crc = crc32fast::Hasher::new();
    crc.update(&zeros);
    for _ in 0..10 {
        let copy = crc.clone();
        crc.combine(&copy);
    }
    let mut bomb = BytesMut::new();
    // The gzip header: magic, deflate, no flags, no time, no extra flags,
    // unknown OS.
    bomb.put_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    for _ in 0..INFLATED / MIB {
        bomb.put_slice(&piece);
    }
    // A final, empty block with the fixed codes.
    bomb.put_slice(&[0x03, 0x00]);
    bomb.put_u32_le(crc.finalize());
    bomb.put_u32_le(INFLATED as u32); // the size mod 2^32: 2^30
    bomb.freeze()
}

/// zstd frames (which decoders read one after another) of 1 MiB of zeros
/// each, [`INFLATED`] in all.
fn zstd_bomb() -> Bytes {
    let frame = zstd::bulk::compress(&vec![0u8; MIB], 3).unwrap();
    let mut bomb = BytesMut::new();
    for _ in 0..INFLATED / MIB {
        bomb.put_slice(&frame);
    }
    bomb.freeze()
}

/// The bombs inflate to zeros past the limit, checked on their first
/// 8 MiB (the whole would defeat the point; `gzip -t` and `zstd -t` pass
/// on the whole), read 64 KiB at a time so the peak memory stays put.
fn check_bombs(gzip: &[u8], zstd: &[u8]) {
    fn zeros_past_the_limit(mut inflated: impl std::io::Read) {
        let mut chunk = vec![0u8; 64 * 1024];
        for _ in 0..8 * MIB / chunk.len() {
            inflated.read_exact(&mut chunk).unwrap();
            assert!(chunk.iter().all(|&b| b == 0));
        }
    }
    zeros_past_the_limit(flate2::read::GzDecoder::new(gzip));
    zeros_past_the_limit(zstd::stream::read::Decoder::new(zstd).unwrap());
}

/// This process's peak resident memory (Linux), in bytes.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// One call of the echo with `bomb` as its one message, flagged compressed
/// with `encoding`, written by hand: tonic's client would compress it
/// again. The call's gRPC status.
async fn send_bomb(channel: piperpc::Channel, bomb: Bytes, encoding: &str) -> (String, String) {
    let mut framed = BytesMut::with_capacity(bomb.len() + 5);
    framed.put_u8(1);
    framed.put_u32(bomb.len() as u32);
    framed.put_slice(&bomb);
    let body = http_body_util::Full::new(framed.freeze());
    let request = http::Request::post(format!("http://localhost{ECHO}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-encoding", encoding)
        .body(tonic::body::Body::new(body))
        .unwrap();
    let mut channel = channel;
    let response = channel.ready().await.unwrap().call(request).await.unwrap();
    let (parts, body) = response.into_parts();
    // Trailers-only (the usual refusal) or trailers after the body.
    let trailers = if parts.headers.contains_key("grpc-status") {
        parts.headers
    } else {
        body.collect()
            .await
            .unwrap()
            .trailers()
            .cloned()
            .unwrap_or_default()
    };
    let text = |name: &str| {
        trailers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    (text("grpc-status"), text("grpc-message"))
}

#[tokio::test]
async fn a_compressed_bomb_is_resource_exhausted_and_not_inflated() {
    let gzip = gzip_bomb();
    let zstd = zstd_bomb();
    check_bombs(&gzip, &zstd);
    assert!(gzip.len() < 2 * MIB, "gzip bomb of {} bytes", gzip.len());
    assert!(zstd.len() < 64 * 1024, "zstd bomb of {} bytes", zstd.len());

    let address = common::unique_address("bomb");
    let bound = Server::builder()
        .add_service(
            EchoServer::default()
                .accept_compressed(Gzip)
                .accept_compressed(Zstd),
        )
        .bind([address.clone()])
        .unwrap();
    common::spawn(bound);

    let before = peak_rss();
    for (bomb, encoding) in [(gzip, "gzip"), (zstd, "zstd")] {
        let channel = piperpc::connect(address.clone()).await.unwrap();
        let (status, message) = send_bomb(channel, bomb, encoding).await;
        assert_eq!(
            status, "8",
            "{encoding}: RESOURCE_EXHAUSTED expected; got {status} {message}"
        );
    }
    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let growth = after.saturating_sub(before);
        // The limit is 4 MiB a message; a gigabyte inflated would show.
        assert!(
            growth < 64 * MIB,
            "peak memory grew by {} MiB",
            growth / MIB
        );
        let _ = std::io::stderr().write_all(
            format!(
                "peak memory: {} KiB before the bombs, {} KiB after\n",
                before / 1024,
                after / 1024
            )
            .as_bytes(),
        );
    } else {
        eprintln!(
            "peak-memory check skipped: no /proc/self/status here; only the status was checked"
        );
    }
}
