//! What a failed TLS exchange means, in words a user can act on.
//!
//! rustls reports what went wrong on the wire ("received corrupt message
//! of type InvalidContentType"); the user needs to know what to change
//! (the server speaks plaintext, the CA is the wrong one).

use std::io;

use rustls::{AlertDescription, CertificateError, InvalidMessage};

use crate::{Address, Error};

/// The client's handshake with `address` failed with `error`.
pub(crate) fn client_error(address: &Address, error: &io::Error) -> Error {
    Error::Tls {
        address: address.clone(),
        reason: client_reason(error),
    }
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
