//! `piperpc-interop client`: grpc's interop test cases against a server,
//! with the official clients' flags, on any piperpc address.
//!
//! Each case prints one line, `CASE: passed` or `CASE: FAILED: why`; the
//! process exits 0 only when every case asked for passed.

mod cases;
mod soak;
mod wire;

use std::time::Duration;

use clap::Args;
use piperpc::{Channel, ChannelBuilder};

/// Every case, in the order `--test_case=all` runs them.
pub const ALL_CASES: &[&str] = &[
    "empty_unary",
    "large_unary",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_streaming",
    "client_compressed_streaming",
    "server_streaming",
    "server_compressed_streaming",
    "ping_pong",
    "empty_stream",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
    "rpc_soak",
    "channel_soak",
];

/// How long one case may take, soak cases aside.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// A boolean flag as the official clients take it: `--flag`,
/// `--flag=true`, `--flag=false`.
fn boolish() -> clap::builder::BoolishValueParser {
    clap::builder::BoolishValueParser::new()
}

/// The client's flags, named as the official interop clients name them.
#[derive(Args, Clone, Debug)]
pub struct ClientArgs {
    /// The server's host, for TCP.
    #[arg(long = "server_host", default_value = "localhost")]
    pub server_host: String,
    /// The server's TCP port.
    #[arg(long = "server_port", required_unless_present = "server_uri")]
    pub server_port: Option<u16>,
    /// Any piperpc address instead of host and port: a bare name,
    /// unix:PATH, unix-abstract:NAME, \\.\pipe\NAME, HOST:PORT.
    #[arg(long = "server_uri", conflicts_with = "server_port")]
    pub server_uri: Option<String>,
    /// The host name to claim: TLS server name and `:authority`.
    #[arg(long = "server_host_override")]
    pub server_host_override: Option<String>,
    /// One case, a comma-separated list, or `all`.
    #[arg(long = "test_case", default_value = "large_unary")]
    pub test_case: String,
    /// TLS (TCP only).
    #[arg(long = "use_tls", default_value_t = false, num_args = 0..=1,
          default_missing_value = "true", value_parser = boolish())]
    pub use_tls: bool,
    /// Trust grpc's test CA (certs/ca.pem) instead of the system's.
    #[arg(long = "use_test_ca", default_value_t = false, num_args = 0..=1,
          default_missing_value = "true", value_parser = boolish())]
    pub use_test_ca: bool,
    #[command(flatten)]
    pub soak: soak::SoakArgs,
}

impl ClientArgs {
    /// The address the flags name.
    fn address(&self) -> String {
        match (&self.server_uri, self.server_port) {
            (Some(uri), _) => uri.clone(),
            (None, Some(port)) if self.server_host.contains(':') => {
                format!("[{}]:{port}", self.server_host.trim_matches(['[', ']']))
            }
            (None, Some(port)) => format!("{}:{port}", self.server_host),
            (None, None) => unreachable!("clap requires one"),
        }
    }

    /// A new channel to the server.
    pub async fn connect(&self) -> Result<Channel, String> {
        let address = self.address();
        let mut builder = ChannelBuilder::new(address.as_str()).map_err(|e| e.to_string())?;
        if let Some(host) = &self.server_host_override {
            let authority = host.parse().map_err(|e| format!("{host}: {e}"))?;
            builder = builder.authority(authority);
        }
        if self.use_tls {
            builder = self.with_tls(builder)?;
        }
        builder
            .connect()
            .await
            .map_err(|e| format!("connecting to {address}: {e}"))
    }

    #[cfg(feature = "tls")]
    fn with_tls(&self, builder: ChannelBuilder) -> Result<ChannelBuilder, String> {
        let mut tls = piperpc::tls::ClientTls::new();
        if self.use_test_ca {
            tls = tls
                .ca_certificate(crate::certs::CA_CERT)
                .map_err(|e| e.to_string())?;
        }
        if let Some(host) = &self.server_host_override {
            tls = tls.server_name(host.clone());
        }
        Ok(builder.tls(tls))
    }

    #[cfg(not(feature = "tls"))]
    fn with_tls(&self, _: ChannelBuilder) -> Result<ChannelBuilder, String> {
        Err("--use_tls needs piperpc-interop built with the `tls` feature".into())
    }
}

/// Runs the cases asked for; true when every one passed.
pub async fn run(args: ClientArgs) -> Result<bool, String> {
    let names: Vec<&str> = if args.test_case == "all" {
        ALL_CASES.to_vec()
    } else {
        args.test_case.split(',').map(str::trim).collect()
    };
    if let Some(unknown) = names.iter().find(|name| !ALL_CASES.contains(name)) {
        return Err(format!(
            "unknown test case {unknown:?}; the cases are: {}",
            ALL_CASES.join(", ")
        ));
    }
    let channel = match args.connect().await {
        Ok(channel) => channel,
        Err(why) => {
            // Still a line per case: each failed, for this reason.
            for name in names {
                println!("{name}: FAILED: {why}");
            }
            return Ok(false);
        }
    };
    let mut all_passed = true;
    for name in names {
        let timeout = if name.ends_with("_soak") {
            args.soak.overall_timeout() + CASE_TIMEOUT
        } else {
            CASE_TIMEOUT
        };
        let outcome = tokio::time::timeout(timeout, cases::run(name, &channel, &args))
            .await
            .unwrap_or_else(|_| Err(format!("no result within {timeout:?}")));
        match outcome {
            Ok(()) => println!("{name}: passed"),
            Err(why) => {
                all_passed = false;
                println!("{name}: FAILED: {why}");
            }
        }
    }
    Ok(all_passed)
}
