//! The server's TLS settings.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use super::pem;
use super::{ALPN_H2, provider};
use crate::Error;

/// TLS for a server's TCP addresses: its certificate and key, and
/// optionally the CA its clients' certificates must chain to (mutual TLS).
///
/// With a client CA, a client without a valid certificate fails the
/// handshake, and the verified certificate's subject and SANs reach
/// [`ConnectInfo::peer_certificate`](crate::ConnectInfo::peer_certificate).
/// Without one (server-only TLS) callers are encrypted but anonymous, so
/// the default peer policy refuses them: admitting them takes an explicit
/// [`PeerPolicy::any`](crate::PeerPolicy::any).
///
/// Local addresses of the same server are never TLS.
///
/// # Examples
///
/// ```no_run
/// use piperpc::{PeerPolicy, Server, tls::ServerTls};
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// let tls = ServerTls::from_pem_files("server.pem", "server.key")?
///     .client_ca_file("clients-ca.pem")?;
/// let (_reporter, health) = tonic_health::server::health_reporter();
/// Server::builder()
///     .add_service(health)
///     .tls(tls)
///     .peer_policy(PeerPolicy::nobody().allow_san("spiffe://example.org/worker"))
///     .serve("0.0.0.0:50051")
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ServerTls {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
    client_roots: Option<Arc<RootCertStore>>,
    config: Arc<rustls::ServerConfig>,
}

impl ServerTls {
    /// Server-only TLS from a PEM certificate chain (the server's own
    /// certificate first) and its PEM private key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when either is not PEM, or the key does not
    /// belong to the certificate.
    pub fn from_pem(chain: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> Result<ServerTls, Error> {
        let chain = pem::certificates(chain.as_ref(), "TLS certificate")?;
        let key = pem::private_key(key.as_ref(), "TLS key")?;
        ServerTls::from_parts(chain, key)
    }

    fn from_parts(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<ServerTls, Error> {
        let key = Arc::new(key);
        let config = build(&chain, &key, None)?;
        Ok(ServerTls {
            chain,
            key,
            client_roots: None,
            config,
        })
    }

    /// As [`ServerTls::from_pem`], reading both files.
    ///
    /// # Errors
    ///
    /// As [`ServerTls::from_pem`], and a file that cannot be read, each
    /// error naming the file.
    pub fn from_pem_files(
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<ServerTls, Error> {
        let (chain, key) = (chain.as_ref(), key.as_ref());
        let chain_pem = pem::read(chain, "TLS certificate")?;
        let key_pem = pem::read(key, "TLS key")?;
        let chain =
            pem::certificates(&chain_pem, "TLS certificate").map_err(|e| pem::in_file(chain, e))?;
        let key = pem::private_key(&key_pem, "TLS key").map_err(|e| pem::in_file(key, e))?;
        ServerTls::from_parts(chain, key)
    }

    /// Mutual TLS: every client must present a certificate that chains to
    /// one of the CA certificates in `pem`, or the handshake fails.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when `pem` holds no usable CA certificate.
    pub fn client_ca(mut self, pem: impl AsRef<[u8]>) -> Result<ServerTls, Error> {
        let mut roots = RootCertStore::empty();
        for certificate in pem::certificates(pem.as_ref(), "client CA")? {
            roots.add(certificate).map_err(|e| {
                Error::invalid_option_from(
                    "client CA",
                    format!("not a usable CA certificate: {e}"),
                    e,
                )
            })?;
        }
        let roots = Arc::new(roots);
        self.config = build(&self.chain, &self.key, Some(roots.clone()))?;
        self.client_roots = Some(roots);
        Ok(self)
    }

    /// As [`ServerTls::client_ca`], reading the file.
    ///
    /// # Errors
    ///
    /// As [`ServerTls::client_ca`], and a file that cannot be read, each
    /// error naming the file.
    pub fn client_ca_file(self, path: impl AsRef<Path>) -> Result<ServerTls, Error> {
        let path = path.as_ref();
        let pem = pem::read(path, "client CA")?;
        self.client_ca(pem).map_err(|e| pem::in_file(path, e))
    }

    /// True when clients must present a certificate (mutual TLS).
    pub fn requires_client_certificates(&self) -> bool {
        self.client_roots.is_some()
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}

fn build(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
    client_roots: Option<Arc<RootCertStore>>,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid_option_from("TLS settings", e.to_string(), e))?;
    let builder = match client_roots {
        Some(roots) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| Error::invalid_option_from("client CA", e.to_string(), e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain.to_vec(), key.clone_key())
        .map_err(|e| {
            Error::invalid_option_from("TLS key", format!("does not fit the certificate: {e}"), e)
        })?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("certificates", &self.chain.len())
            .field("mutual", &self.requires_client_certificates())
            .finish_non_exhaustive()
    }
}
