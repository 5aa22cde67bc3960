//! The servers attacked: piperpc's and plain tonic's, each on a Unix
//! socket and on TCP loopback, each a fresh child process per attack.
//!
//! piperpc's is `piperpc serve`'s server with its defaults (the bench's
//! `grpc-server` role), admitting any peer on TCP as `--allow-any-peer`
//! does (the default policy refuses every TCP peer, so nothing could be
//! measured). The tonic ones are the bench's baselines (`tonic-local-server`,
//! `tcp-server`): the same services in a plain tonic server with tonic's
//! defaults.
//!
//! Every server logs errors only (`RUST_LOG=error`, unless set): h2 warns
//! once per connection it ends for abuse, and thousands of lines a second
//! would bury the table and add their own cost to every figure.

/// One server to attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// piperpc's server on a Unix domain socket.
    PiperpcUds,
    /// Plain tonic on a Unix domain socket.
    TonicUds,
    /// piperpc's server on 127.0.0.1, any peer admitted.
    PiperpcTcp,
    /// Plain tonic on 127.0.0.1.
    TonicTcp,
}

impl Target {
    /// Every server, in table order: each transport's piperpc row before
    /// its tonic row.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub const ALL: [Target; 4] = [
        Target::PiperpcUds,
        Target::TonicUds,
        Target::PiperpcTcp,
        Target::TonicTcp,
    ];

    /// `piperpc_uds`, ...: the JSON's and the figures' ids.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn key(self) -> &'static str {
        match self {
            Target::PiperpcUds => "piperpc_uds",
            Target::TonicUds => "tonic_uds",
            Target::PiperpcTcp => "piperpc_tcp",
            Target::TonicTcp => "tonic_tcp",
        }
    }

    /// The server's name in the table.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn server(self) -> &'static str {
        match self {
            Target::PiperpcUds | Target::PiperpcTcp => "piperpc",
            Target::TonicUds | Target::TonicTcp => "tonic",
        }
    }

    /// The transport's name in the table.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn transport(self) -> &'static str {
        match self {
            Target::PiperpcUds | Target::TonicUds => "UDS",
            Target::PiperpcTcp | Target::TonicTcp => "TCP",
        }
    }

    /// Whether this is piperpc's server.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn is_piperpc(self) -> bool {
        matches!(self, Target::PiperpcUds | Target::PiperpcTcp)
    }

    /// The plain tonic server on the same transport: what piperpc is
    /// compared with.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn baseline(self) -> Target {
        match self {
            Target::PiperpcUds | Target::TonicUds => Target::TonicUds,
            Target::PiperpcTcp | Target::TonicTcp => Target::TonicTcp,
        }
    }
}

#[cfg(target_os = "linux")]
pub use running::Running;

#[cfg(target_os = "linux")]
mod running {
    use std::path::Path;

    use anyhow::Context;

    use super::Target;
    use crate::servers::{RunDir, ServerProcess};

    /// The servers' log filter.
    const LOG: Option<&str> = Some("error");

    /// A started server: its process and where it listens.
    #[derive(Debug)]
    pub struct Running {
        /// The child process.
        pub process: ServerProcess,
        /// The address a piperpc `Connector` opens: `unix:PATH` or
        /// `127.0.0.1:PORT`.
        pub address: piperpc::Address,
        /// Which server it is.
        pub target: Target,
    }

    impl Running {
        /// Starts `target`'s server, its socket (if any) in `dir`, and
        /// waits until it is ready.
        ///
        /// piperpc's servers come from `piperpc_exe`, a piperpc-bench
        /// executable (this one, or an older build).
        pub fn start(
            target: Target,
            dir: &RunDir,
            tag: &str,
            piperpc_exe: &Path,
        ) -> anyhow::Result<Running> {
            let this = std::env::current_exe().context("locating this executable")?;
            let process = match target {
                Target::PiperpcUds => ServerProcess::start_exe(
                    "piperpc UDS",
                    piperpc_exe,
                    &["grpc-server", "--listen", &dir.address(tag, true)],
                    LOG,
                )?,
                Target::PiperpcTcp => ServerProcess::start_exe(
                    "piperpc TCP",
                    piperpc_exe,
                    &["grpc-server", "--listen", "127.0.0.1:0", "--allow-any-peer"],
                    LOG,
                )?,
                Target::TonicUds => ServerProcess::start_exe(
                    "tonic UDS",
                    &this,
                    &["tonic-local-server", "--listen", &dir.address(tag, false)],
                    LOG,
                )?,
                Target::TonicTcp => {
                    ServerProcess::start_exe("tonic TCP", &this, &["tcp-server"], LOG)?
                }
            };
            // The tonic UDS server announces a bare path, the others an
            // address piperpc parses (`unix:...`, `http://...`, `HOST:PORT`).
            let announced = process.address.clone();
            let written = if target == Target::TonicUds {
                format!("unix:{announced}")
            } else {
                announced
                    .strip_prefix("http://")
                    .unwrap_or(&announced)
                    .to_string()
            };
            let address = piperpc::Address::parse(&written)
                .with_context(|| format!("the {target:?} server announced `{written}`"))?;
            Ok(Running {
                process,
                address,
                target,
            })
        }

        /// The server's process id.
        pub fn pid(&self) -> u32 {
            self.process.child().id()
        }
    }
}
