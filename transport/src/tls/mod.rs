//! TLS and mutual TLS for TCP addresses (feature `tls`).
//!
//! On a pipe or a Unix socket the OS says who is on the other end; over TCP
//! nobody does, so certificates take that job. [`ServerTls`] makes a TCP
//! listener speak TLS and, with a client CA, require and verify client
//! certificates; the verified certificate's subject and SANs then reach
//! [`ConnectInfo::peer_certificate`](crate::ConnectInfo::peer_certificate),
//! and [`PeerPolicy::allow_san`](crate::PeerPolicy::allow_san) admits
//! callers by them. [`ClientTls`] is the client's side.
//!
//! Local addresses are never TLS: the settings apply to TCP addresses only.
//! rustls with the ring provider does the work; there is no OpenSSL.
//!
//! The handshake is piperpc's own rather than tonic's `tls_config`, because
//! the listener must see the certificate before a service does: the peer
//! policy refuses a caller on the connection, and a handler reads the same
//! [`ConnectInfo`](crate::ConnectInfo) on every transport.

mod certificate;
mod client;
pub(crate) mod explain;
mod insecure;
mod pem;
mod server;

pub use client::ClientTls;
pub use server::ServerTls;

pub(crate) use certificate::peer_certificate;

/// The one application protocol either side offers: gRPC is HTTP/2, and
/// stock clients (gRPC C-core, grpc-go) refuse a server that does not
/// select `h2`.
const ALPN_H2: &[u8] = b"h2";

/// The crypto provider of every config: ring, whatever else is linked in.
///
/// rustls 0.23.48 deprecated its ring provider because ring has no
/// post-quantum key exchange (aws-lc-rs has X25519MLKEM768). ring stays
/// for now: it builds with a C compiler alone, where aws-lc-rs wants
/// CMake (and more for the Windows cross-build), and piperpc's TLS is for
/// TCP between a machine's own processes or a LAN. A provider choice is
/// future work (CHANGELOG.md).
#[allow(deprecated)]
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
