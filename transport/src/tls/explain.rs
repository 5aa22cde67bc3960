//! What a failed TLS exchange means, in words a user can act on.
//!
//! rustls reports what went wrong on the wire ("received corrupt message
//! of type InvalidContentType"); the user needs to know what to change
//! (the server speaks plaintext, the CA is the wrong one).

use std::io;

use rustls::{AlertDescription, CertificateError, InvalidMessage};

use crate::{Address, Error};

/// The client's handshake with `address` failed with `error`.
pub(crate) fn client_error(address: &Address, error: io::Error) -> Error {
    Error::Tls {
        address: address.clone(),
        reason: client_reason(&error),
        source: source(error),
    }
}

/// rustls's own error when `error` carries one, else `error` itself: the
/// source an [`Error::Tls`] keeps.
fn source(error: io::Error) -> Box<dyn std::error::Error + Send + Sync> {
    if rustls_error(&error).is_none() {
        return Box::new(error);
    }
    error
        .into_inner()
        .expect("an io::Error that carries a rustls::Error holds it")
}

/// The server closed a TLS connection, with `error`, before it answered
/// the HTTP/2 handshake.
///
/// TLS 1.3 tells a client that its certificate was refused only after the
/// client's side of the handshake is done, so this is where that refusal
/// arrives: as an alert, or (from servers that hang up at once) as a reset.
pub(crate) fn refused_after_handshake(address: &Address, error: io::Error) -> Error {
    let reason = match rustls_error(&error) {
        Some(rustls::Error::AlertReceived(alert)) => alert_reason(*alert),
        Some(other) => other.to_string(),
        None if matches!(
            error.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
        ) =>
        {
            format!(
                "the server closed the connection right after the TLS handshake ({error}): \
                 it most likely refused this client's certificate, or the lack of one"
            )
        }
        None => return Error::io(address, "start HTTP/2 with", error),
    };
    Error::Tls {
        address: address.clone(),
        reason,
        source: source(error),
    }
}

fn client_reason(error: &io::Error) -> String {
    match rustls_error(error) {
        Some(rustls::Error::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::InvalidEmptyPayload,
        ))
        | Some(rustls::Error::InvalidMessage(_)) => {
            "the server did not answer in TLS: it serves plaintext (connect without TLS)"
                .to_string()
        }
        Some(rustls::Error::InvalidCertificate(reason)) => certificate_reason(reason),
        Some(rustls::Error::AlertReceived(alert)) => alert_reason(*alert),
        Some(rustls::Error::NoApplicationProtocol) => {
            "the server does not offer HTTP/2 (ALPN h2), so it is not a gRPC server".to_string()
        }
        Some(other) => other.to_string(),
        None if matches!(
            error.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
        ) =>
        {
            "the server closed the connection during the TLS handshake: it may serve \
             plaintext, or refuse this client"
                .to_string()
        }
        None => error.to_string(),
    }
}

fn certificate_reason(reason: &CertificateError) -> String {
    let what = match reason {
        CertificateError::UnknownIssuer => {
            "is not signed by a trusted CA (name the right one)".to_string()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "has expired".to_string()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "is not valid yet".to_string()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("does not name this server ({reason}); set the server name it carries")
        }
        other => format!("was rejected: {other}"),
    };
    format!("the server's certificate {what}")
}

fn alert_reason(alert: AlertDescription) -> String {
    let what = match alert {
        AlertDescription::CertificateRequired => {
            "requires a client certificate (mutual TLS), and none was given"
        }
        AlertDescription::UnknownCA => "does not trust the CA of this client's certificate",
        AlertDescription::CertificateExpired => "found this client's certificate expired",
        AlertDescription::BadCertificate | AlertDescription::UnsupportedCertificate => {
            "rejected this client's certificate"
        }
        AlertDescription::NoApplicationProtocol => "does not speak HTTP/2 over TLS",
        _ => return format!("the server ended the handshake with the alert {alert:?}"),
    };
    format!("the server {what}")
}

/// Why a server-side handshake failed, for the server's log.
pub(crate) fn server_reason(error: &io::Error) -> String {
    match rustls_error(error) {
        Some(rustls::Error::NoCertificatesPresented) => {
            "the client presented no certificate".to_string()
        }
        Some(rustls::Error::InvalidCertificate(reason)) => {
            format!("the client's certificate was rejected: {reason}")
        }
        Some(rustls::Error::AlertReceived(alert)) => {
            format!("the client ended the handshake with the alert {alert:?}")
        }
        Some(other) => other.to_string(),
        None => error.to_string(),
    }
}

/// A copy of a TLS error that keeps its type.
pub(crate) fn copy(error: &io::Error) -> Option<io::Error> {
    let tls = rustls_error(error)?.clone();
    Some(io::Error::new(error.kind(), tls))
}

fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::io;

    use rustls::AlertDescription;

    use crate::{Address, ErrorKind};

    fn address() -> Address {
        Address::parse("127.0.0.1:50051").expect("a TCP address")
    }

    #[test]
    fn a_failed_handshake_keeps_rustls_error_as_its_source() {
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
        let wire = io::Error::new(io::ErrorKind::InvalidData, alert.clone());
        let error = super::client_error(&address(), wire);
        assert_eq!(error.kind(), ErrorKind::Tls);
        assert!(
            error.to_string().contains("requires a client certificate"),
            "{error}"
        );
        let source = error.source().expect("the rustls error");
        assert_eq!(source.downcast_ref::<rustls::Error>(), Some(&alert));
    }

    #[test]
    fn a_connection_cut_after_the_handshake_keeps_the_io_error() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let error = super::refused_after_handshake(&address(), reset);
        assert_eq!(error.kind(), ErrorKind::Tls);
        let source = error.source().expect("the I/O error");
        let source = source.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(source.kind(), io::ErrorKind::ConnectionReset);
    }
}
