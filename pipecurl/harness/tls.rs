//! A throwaway certificate authority for tests of TLS and mutual TLS.
//!
//! Certificates are made when the test runs (nothing is checked in, and
//! nothing expires in the repository): a [`TestCa`] issues server and client
//! certificates with the SANs a test needs, valid or already expired, and
//! writes them as PEM files for the command lines that take paths.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// A CA of its own, with a directory its files are written to (removed
/// when it is dropped).
///
/// # Examples
///
/// ```
/// use pipecurl::harness::tls::{Leaf, TestCa};
///
/// let ca = TestCa::new("test CA");
/// let server = ca.issue(&Leaf::server(["localhost", "127.0.0.1"]));
/// let worker = ca.issue(&Leaf::client("worker").san("spiffe://example.org/worker"));
/// let (cert, key) = server.write(ca.dir(), "server");
/// assert!(std::fs::read_to_string(cert).unwrap().contains("BEGIN CERTIFICATE"));
/// # let _ = (key, worker);
/// ```
pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
    pem: String,
    dir: PathBuf,
}

/// What a [`TestCa`] issues: a server or client certificate.
#[derive(Clone, Debug)]
pub struct Leaf {
    common_name: String,
    sans: Vec<String>,
    server: bool,
    expired: bool,
}

/// An issued certificate and its private key, as PEM.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Issued {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Its private key, PEM (PKCS#8).
    pub key_pem: String,
}

impl Leaf {
    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn server<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Leaf {
        let sans: Vec<String> = names.into_iter().map(Into::into).collect();
        Leaf {
            common_name: sans.first().cloned().unwrap_or_default(),
            sans,
            server: true,
            expired: false,
        }
    }

    /// A client certificate whose subject is `CN=common_name`, with no SANs
    /// until [`Leaf::san`] adds some.
    pub fn client(common_name: &str) -> Leaf {
        Leaf {
            common_name: common_name.to_string(),
            sans: Vec::new(),
            server: false,
            expired: false,
        }
    }

    /// Adds a SAN: a URI when it has a scheme (`spiffe://...`), an IP
    /// address when it parses as one, otherwise a DNS name.
    pub fn san(mut self, san: &str) -> Leaf {
        self.sans.push(san.to_string());
        self
    }

    /// Valid only in the year 2000, so expired now.
    pub fn expired(mut self) -> Leaf {
        self.expired = true;
        self
    }
}

impl TestCa {
    /// A new self-signed CA whose subject is `CN=common_name`.
    ///
    /// # Panics
    ///
    /// When the key cannot be generated or the directory made: a broken
    /// test machine.
    pub fn new(common_name: &str) -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("generate a CA key");
        let cert = params.self_signed(&key).expect("self-sign the CA");
        let pem = cert.pem();
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pipecurl-ca-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("make the CA's directory");
        TestCa {
            cert,
            key,
            pem,
            dir,
        }
    }

    /// The CA's certificate, PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The directory this CA writes to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the CA certificate as `NAME.pem` in [`TestCa::dir`].
    pub fn write(&self, name: &str) -> PathBuf {
        write(&self.dir.join(format!("{name}.pem")), &self.pem)
    }

    /// A certificate for `leaf`, signed by this CA.
    ///
    /// # Panics
    ///
    /// When a SAN is not a valid IA5 string, or signing fails.
    pub fn issue(&self, leaf: &Leaf) -> Issued {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(&leaf.common_name);
        params.subject_alt_names = leaf.sans.iter().map(|san| san_type(san)).collect();
        params.extended_key_usages = vec![if leaf.server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if leaf.expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2000, 12, 31);
        }
        let key = KeyPair::generate().expect("generate a key");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("sign the certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

impl Issued {
    /// Writes `STEM.pem` and `STEM.key` in `dir`; returns both paths.
    pub fn write(&self, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
        (
            write(&dir.join(format!("{stem}.pem")), &self.cert_pem),
            write(&dir.join(format!("{stem}.key")), &self.key_pem),
        )
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("dir", &self.dir).finish()
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn san_type(san: &str) -> SanType {
    let ia5 = || san.try_into().expect("a SAN is ASCII");
    if san.contains("://") {
        SanType::URI(ia5())
    } else if let Ok(ip) = san.parse() {
        SanType::IpAddress(ip)
    } else {
        SanType::DnsName(ia5())
    }
}

fn write(path: &Path, contents: &str) -> PathBuf {
    std::fs::write(path, contents).expect("write a test certificate");
    path.to_path_buf()
}
