//! The identity in a peer's verified TLS certificate.

use std::fmt;
use std::net::IpAddr;

/// Who a TLS peer is, from the certificate its chain was verified to: the
/// subject and the subject alternative names. Filled in only after the
/// chain checked out against the configured CA, so a handler or a
/// [`PeerPolicy`](crate::PeerPolicy) may rely on it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerCertificate {
    /// The subject's distinguished name, as `CN=worker, O=Example`.
    pub subject: String,
    /// The subject alternative names, in certificate order.
    pub sans: Vec<SubjectAltName>,
}

/// One subject alternative name of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubjectAltName {
    /// A DNS name, `worker.example.org`.
    Dns(String),
    /// A URI, such as a SPIFFE ID `spiffe://example.org/worker`.
    Uri(String),
    /// An IP address.
    Ip(IpAddr),
    /// An e-mail address (`rfc822Name`).
    Email(String),
}

impl SubjectAltName {
    /// True when `value` names this SAN: a DNS name compared without regard
    /// to case, an IP address by value, anything else exactly.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            SubjectAltName::Dns(name) => name.eq_ignore_ascii_case(value),
            SubjectAltName::Ip(ip) => value.parse::<IpAddr>().is_ok_and(|v| v == *ip),
            SubjectAltName::Uri(uri) => uri == value,
            SubjectAltName::Email(email) => email == value,
        }
    }
}

impl fmt::Display for SubjectAltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectAltName::Dns(name) => write!(f, "DNS:{name}"),
            SubjectAltName::Uri(uri) => write!(f, "URI:{uri}"),
            SubjectAltName::Ip(ip) => write!(f, "IP:{ip}"),
            SubjectAltName::Email(email) => write!(f, "email:{email}"),
        }
    }
}

impl fmt::Display for PeerCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.subject)?;
        if self.sans.is_empty() {
            return f.write_str(" (no SANs)");
        }
        f.write_str(" (SANs ")?;
        for (i, san) in self.sans.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{san}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sans_match_by_kind_rules() {
        assert!(SubjectAltName::Dns("Worker.Example.org".into()).matches("worker.example.org"));
        assert!(SubjectAltName::Ip("::1".parse().unwrap()).matches("0:0:0:0:0:0:0:1"));
        assert!(!SubjectAltName::Uri("spiffe://a/B".into()).matches("spiffe://a/b"));
        assert!(!SubjectAltName::Dns("worker".into()).matches("worker.example.org"));
    }

    #[test]
    fn displays_subject_and_sans() {
        let cert = PeerCertificate {
            subject: "CN=worker".into(),
            sans: vec![
                SubjectAltName::Dns("w.example".into()),
                SubjectAltName::Uri("spiffe://example/w".into()),
            ],
        };
        assert_eq!(
            cert.to_string(),
            "`CN=worker` (SANs DNS:w.example, URI:spiffe://example/w)"
        );
    }
}
