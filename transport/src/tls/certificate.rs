//! The subject and SANs of a verified certificate.

use rustls::pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::{PeerCertificate, SubjectAltName};

/// The identity in the end-entity certificate of a verified chain. `None`
/// when there is no chain (the peer sent no certificate).
pub(crate) fn peer_certificate(chain: Option<&[CertificateDer<'_>]>) -> Option<PeerCertificate> {
    let der = chain?.first()?;
    let Ok((_, certificate)) = X509Certificate::from_der(der.as_ref()) else {
        // rustls verified and so parsed it; this cannot fail in practice.
        tracing::warn!("a verified certificate could not be read back");
        return None;
    };
    let sans = certificate
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|extension| {
            extension
                .value
                .general_names
                .iter()
                .filter_map(subject_alt_name)
                .collect()
        })
        .unwrap_or_default();
    Some(PeerCertificate {
        subject: certificate.subject().to_string(),
        sans,
    })
}

fn subject_alt_name(name: &GeneralName<'_>) -> Option<SubjectAltName> {
    Some(match name {
        GeneralName::DNSName(dns) => SubjectAltName::Dns((*dns).to_string()),
        GeneralName::URI(uri) => SubjectAltName::Uri((*uri).to_string()),
        GeneralName::RFC822Name(email) => SubjectAltName::Email((*email).to_string()),
        GeneralName::IPAddress(bytes) => SubjectAltName::Ip(match bytes.len() {
            4 => <[u8; 4]>::try_from(*bytes).ok()?.into(),
            16 => <[u8; 16]>::try_from(*bytes).ok()?.into(),
            _ => return None,
        }),
        _ => return None,
    })
}
