//! TLS flags: how `serve` speaks TLS on TCP, and how `call` reaches it.
//! The client's flags are grpcurl's, and so is the rule: TCP is TLS unless
//! `--plaintext`; local addresses are never TLS.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use piperpc::{Address, ChannelBuilder, ListenerOptions};

/// The server's TLS, for its TCP addresses.
#[derive(Debug, Args)]
pub struct ServeTls {
    /// Serve TLS on TCP addresses with this PEM certificate chain (the
    /// server's own certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: require client certificates signed by this PEM CA;
    /// callers are then admitted by --allow-san.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

impl ServeTls {
    /// True when TCP addresses serve TLS.
    pub fn enabled(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// True when clients must present certificates.
    pub fn mutual(&self) -> bool {
        self.client_ca.is_some()
    }

    /// `options` with these TLS settings.
    #[cfg(feature = "tls")]
    pub fn apply(&self, options: ListenerOptions) -> anyhow::Result<ListenerOptions> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(options);
        };
        let mut tls = piperpc::tls::ServerTls::from_pem_files(cert, key)?;
        if let Some(ca) = &self.client_ca {
            tls = tls.client_ca_file(ca)?;
        }
        Ok(options.tls(tls))
    }

    /// `options` as they are: this build has no TLS.
    #[cfg(not(feature = "tls"))]
    pub fn apply(&self, options: ListenerOptions) -> anyhow::Result<ListenerOptions> {
        if self.enabled() {
            bail!(
                "this piperpc was built without the `tls` feature; rebuild with it for --tls-cert"
            );
        }
        Ok(options)
    }
}

/// Refuses a TCP setup in which the peer policy would refuse every caller,
/// or in which anyone who reaches the port could call without a choice
/// having been made to allow that.
pub fn check_tcp(
    listen: &[Address],
    tls: &ServeTls,
    any_peer: bool,
    allows_sans: bool,
) -> anyhow::Result<()> {
    let Some(tcp) = listen.iter().find(|a| matches!(a, Address::Tcp(_))) else {
        if tls.enabled() {
            bail!("--tls-cert applies to TCP addresses, and no --listen address is TCP");
        }
        return Ok(());
    };
    if allows_sans && !tls.mutual() {
        bail!("--allow-san admits clients by their certificates, which only --client-ca asks for");
    }
    if any_peer {
        return Ok(());
    }
    if !tls.enabled() {
        bail!(
            "{tcp} would be plaintext TCP, where callers have no identity, so every one would be \
             refused: serve mutual TLS (--tls-cert, --tls-key, --client-ca, --allow-san), or pass \
             --allow-any-peer to serve plaintext to anyone who can reach the port"
        );
    }
    if !tls.mutual() {
        bail!(
            "{tcp} would serve TLS without client certificates, so callers have no identity and \
             every one would be refused: add --client-ca and --allow-san (mutual TLS), or pass \
             --allow-any-peer to serve anyone who can reach the port"
        );
    }
    if !allows_sans {
        bail!(
            "{tcp} requires client certificates, but no --allow-san says whose to admit, so every \
             caller would be refused"
        );
    }
    Ok(())
}

/// The client's TLS, for a TCP address.
#[derive(Debug, Args)]
pub struct CallTls {
    /// TCP: speak plaintext HTTP/2 rather than TLS.
    #[arg(long)]
    plaintext: bool,
    /// Trust this PEM CA for the server's certificate, not the system's.
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "FILE", conflicts_with = "plaintext")]
    cacert: Option<PathBuf>,
    /// Present this PEM client certificate (mutual TLS).
    #[cfg(feature = "tls")]
    #[arg(
        long,
        value_name = "FILE",
        requires = "key",
        conflicts_with = "plaintext"
    )]
    cert: Option<PathBuf>,
    /// The PEM private key of --cert.
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// The name the server's certificate must carry (default: the host).
    #[cfg(feature = "tls")]
    #[arg(long, value_name = "NAME", conflicts_with = "plaintext")]
    servername: Option<String>,
    /// Accept any server certificate: encrypted, but the server may be
    /// anyone. For test servers only.
    #[cfg(feature = "tls")]
    #[arg(long, conflicts_with = "plaintext")]
    insecure: bool,
}

impl CallTls {
    /// `builder` with TLS set up when `address` is TCP and not --plaintext.
    #[cfg(feature = "tls")]
    pub fn apply(
        &self,
        builder: ChannelBuilder,
        address: &Address,
    ) -> anyhow::Result<ChannelBuilder> {
        let flags = self.cacert.is_some()
            || self.cert.is_some()
            || self.servername.is_some()
            || self.insecure;
        if address.is_local() {
            if flags {
                bail!(
                    "{address} is a local address, which is never TLS; the TLS flags are for TCP"
                );
            }
            return Ok(builder);
        }
        if self.plaintext {
            return Ok(builder);
        }
        let mut tls = piperpc::tls::ClientTls::new();
        if let Some(ca) = &self.cacert {
            tls = tls.ca_certificate_file(ca)?;
        }
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            tls = tls.identity_files(cert, key)?;
        }
        if let Some(name) = &self.servername {
            tls = tls.server_name(name);
        }
        if self.insecure {
            tls = tls.insecure_skip_verify();
        }
        Ok(builder.tls(tls))
    }

    /// `builder` as it is: this build speaks plaintext only.
    #[cfg(not(feature = "tls"))]
    pub fn apply(
        &self,
        builder: ChannelBuilder,
        address: &Address,
    ) -> anyhow::Result<ChannelBuilder> {
        if !address.is_local() && !self.plaintext {
            bail!(
                "this piperpc was built without the `tls` feature: pass --plaintext for {address}"
            );
        }
        Ok(builder)
    }
}
