//! The client's TLS settings.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::insecure::AcceptAnyServer;
use super::pem;
use super::{ALPN_H2, explain, provider};
use crate::{Address, Error};

/// TLS for a client's TCP connections: whom to trust, the client's own
/// certificate for mutual TLS, and the name the server must prove.
///
/// By default the server's certificate must chain to a CA the system
/// trusts and name the host of the address called.
///
/// # Examples
///
/// ```no_run
/// use piperpc::{ChannelBuilder, tls::ClientTls};
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// let tls = ClientTls::new()
///     .ca_certificate_file("ca.pem")?
///     .identity_files("worker.pem", "worker.key")?;
/// let channel = ChannelBuilder::new("10.0.0.5:50051")?
///     .tls(tls)
///     .connect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ClientTls {
    roots: Option<Arc<RootCertStore>>,
    identity: Option<(Vec<CertificateDer<'static>>, Arc<PrivateKeyDer<'static>>)>,
    server_name: Option<String>,
    insecure: bool,
    /// The rustls config, built at the first connect and then reused.
    config: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
}

impl ClientTls {
    /// Trust the system's CAs, present no certificate, expect the address's
    /// host name.
    pub fn new() -> ClientTls {
        ClientTls::default()
    }

    /// Trust only the CA certificates in `pem`, not the system's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when `pem` holds no usable CA certificate.
    pub fn ca_certificate(mut self, pem: impl AsRef<[u8]>) -> Result<ClientTls, Error> {
        let mut roots = RootCertStore::empty();
        for certificate in pem::certificates(pem.as_ref(), "TLS CA")? {
            roots.add(certificate).map_err(|e| {
                Error::invalid_option_from("TLS CA", format!("not a usable CA certificate: {e}"), e)
            })?;
        }
        self.roots = Some(Arc::new(roots));
        Ok(self.changed())
    }

    /// As [`ClientTls::ca_certificate`], reading the file.
    ///
    /// # Errors
    ///
    /// As [`ClientTls::ca_certificate`], and a file that cannot be read,
    /// each error naming the file.
    pub fn ca_certificate_file(self, path: impl AsRef<Path>) -> Result<ClientTls, Error> {
        let path = path.as_ref();
        let pem = pem::read(path, "TLS CA")?;
        self.ca_certificate(pem).map_err(|e| pem::in_file(path, e))
    }

    /// Present this certificate chain and key when the server asks for one
    /// (mutual TLS).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when either is not PEM.
    pub fn identity(
        self,
        chain: impl AsRef<[u8]>,
        key: impl AsRef<[u8]>,
    ) -> Result<ClientTls, Error> {
        let chain = pem::certificates(chain.as_ref(), "client certificate")?;
        let key = pem::private_key(key.as_ref(), "client key")?;
        Ok(self.with_identity(chain, key))
    }

    fn with_identity(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> ClientTls {
        self.identity = Some((chain, Arc::new(key)));
        self.changed()
    }

    /// As [`ClientTls::identity`], reading both files.
    ///
    /// # Errors
    ///
    /// As [`ClientTls::identity`], and a file that cannot be read, each
    /// error naming the file.
    pub fn identity_files(
        self,
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<ClientTls, Error> {
        let (chain, key) = (chain.as_ref(), key.as_ref());
        let chain_pem = pem::read(chain, "client certificate")?;
        let key_pem = pem::read(key, "client key")?;
        let chain = pem::certificates(&chain_pem, "client certificate")
            .map_err(|e| pem::in_file(chain, e))?;
        let key = pem::private_key(&key_pem, "client key").map_err(|e| pem::in_file(key, e))?;
        Ok(self.with_identity(chain, key))
    }

    /// The name the server's certificate must carry, also sent as SNI
    /// (default: the host of the address), as grpcurl's `-servername`.
    pub fn server_name(mut self, name: impl Into<String>) -> ClientTls {
        self.server_name = Some(name.into());
        self.changed()
    }

    /// Accept any server certificate, as grpcurl's `-insecure`: the link is
    /// encrypted but the server may be anyone. For test servers only.
    pub fn insecure_skip_verify(mut self) -> ClientTls {
        self.insecure = true;
        self.changed()
    }

    fn changed(mut self) -> ClientTls {
        self.config = Arc::default();
        self
    }

    /// Runs the handshake on `tcp`, the connection to `address`.
    pub(crate) async fn handshake(
        &self,
        tcp: TcpStream,
        address: &Address,
    ) -> Result<TlsStream<TcpStream>, Error> {
        let name = self.name_for(address)?;
        let connector = tokio_rustls::TlsConnector::from(self.config()?);
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| explain::client_error(address, e))
    }

    fn name_for(&self, address: &Address) -> Result<ServerName<'static>, Error> {
        let name = match (&self.server_name, address) {
            (Some(name), _) => name.clone(),
            (None, Address::Tcp(host_port)) => host_of(host_port).to_string(),
            (None, other) => other.to_string(),
        };
        ServerName::try_from(name.clone())
            .map_err(|e| Error::invalid_option_from("TLS server name", format!("`{name}`: {e}"), e))
    }

    fn config(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid_option_from("TLS settings", e.to_string(), e))?;
        let builder = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyServer(provider())))
        } else {
            builder.with_root_certificates(match &self.roots {
                Some(roots) => roots.clone(),
                None => system_roots()?,
            })
        };
        let mut config = match &self.identity {
            Some((chain, key)) => builder
                .with_client_auth_cert(chain.clone(), key.clone_key())
                .map_err(|e| {
                    Error::invalid_option_from(
                        "client key",
                        format!("does not fit the certificate: {e}"),
                        e,
                    )
                })?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        let config = Arc::new(config);
        Ok(self.config.get_or_init(|| config).clone())
    }
}

/// `host` of `host:port` or `[v6]:port`.
fn host_of(host_port: &str) -> &str {
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

fn system_roots() -> Result<Arc<RootCertStore>, Error> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(Error::invalid_option(
            "TLS CA",
            "no CA was given and the system offers none; name the server's CA".to_string(),
        ));
    }
    Ok(Arc::new(roots))
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("system_roots", &self.roots.is_none())
            .field("identity", &self.identity.is_some())
            .field("server_name", &self.server_name)
            .field("insecure", &self.insecure)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_of_strips_port_and_brackets() {
        assert_eq!(host_of("example.org:443"), "example.org");
        assert_eq!(host_of("127.0.0.1:50051"), "127.0.0.1");
        assert_eq!(host_of("[::1]:50051"), "::1");
    }
}
