//! tonic's own connect-info types, for handlers written for tonic.
//!
//! tonic's server puts `TcpConnectInfo` (TCP), `TlsConnectInfo` (TLS) or
//! `UdsConnectInfo` (Unix sockets) in every request's extensions, and
//! `Request::remote_addr` and `Request::peer_certs` read them. A handler
//! written for tonic keeps working under piperpc's server only if they are
//! there too, beside piperpc's richer [`ConnectInfo`](crate::ConnectInfo).
//! Named pipes have no tonic type.

use tonic::transport::server::{Connected, TcpConnectInfo};

use super::connection::Stream;

/// What tonic's server would have put in a request's extensions for a
/// connection on the same stream.
#[derive(Clone, Debug)]
pub(crate) enum TonicConnectInfo {
    Tcp(TcpConnectInfo),
    #[cfg(feature = "tls")]
    Tls(tonic::transport::server::TlsConnectInfo<TcpConnectInfo>),
    #[cfg(unix)]
    Unix(tonic::transport::server::UdsConnectInfo),
    /// A named pipe: tonic has no type for it.
    #[cfg(windows)]
    None,
}

impl TonicConnectInfo {
    /// tonic's view of `stream`.
    pub(crate) fn of(stream: &Stream) -> TonicConnectInfo {
        match stream {
            Stream::Tcp(tcp) => TonicConnectInfo::Tcp(tcp.connect_info()),
            #[cfg(feature = "tls")]
            Stream::Tls(tls) => TonicConnectInfo::Tls(tls.as_ref().connect_info()),
            #[cfg(unix)]
            Stream::Unix(unix) => TonicConnectInfo::Unix(unix.connect_info()),
            #[cfg(windows)]
            Stream::Pipe(_) => TonicConnectInfo::None,
        }
    }

    /// Puts it where tonic's server does.
    pub(crate) fn insert_into(&self, extensions: &mut http::Extensions) {
        match self {
            TonicConnectInfo::Tcp(info) => {
                extensions.insert(info.clone());
            }
            #[cfg(feature = "tls")]
            TonicConnectInfo::Tls(info) => {
                extensions.insert(info.clone());
            }
            #[cfg(unix)]
            TonicConnectInfo::Unix(info) => {
                extensions.insert(info.clone());
            }
            #[cfg(windows)]
            TonicConnectInfo::None => {}
        }
    }
}
