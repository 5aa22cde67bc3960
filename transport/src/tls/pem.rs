//! Reading certificates and keys from PEM, with errors that name the file.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// Every certificate in `pem`; at least one.
pub(crate) fn certificates(
    pem: &[u8],
    option: &'static str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid_option_from(option, format!("not PEM certificates: {e}"), e))?;
    if certificates.is_empty() {
        return Err(Error::invalid_option(
            option,
            "no `BEGIN CERTIFICATE` block in it".to_string(),
        ));
    }
    Ok(certificates)
}

/// The one private key in `pem` (PKCS#8, PKCS#1 or SEC1).
pub(crate) fn private_key(
    pem: &[u8],
    option: &'static str,
) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        Error::invalid_option_from(option, format!("no PEM private key in it: {e}"), e)
    })
}

/// The bytes of `path`, or an error naming it.
pub(crate) fn read(path: &Path, option: &'static str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::invalid_option_from(option, format!("cannot read {}: {e}", path.display()), e)
    })
}

/// Prefixes a failure with the file it came from.
pub(crate) fn in_file(path: &Path, error: Error) -> Error {
    match error {
        Error::InvalidOption {
            option,
            reason,
            source,
        } => Error::InvalidOption {
            option,
            reason: format!("{}: {reason}", path.display()),
            source,
        },
        other => other,
    }
}
