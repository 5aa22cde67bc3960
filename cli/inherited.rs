//! The listening sockets `piperpc serve` was started with: systemd socket
//! activation (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`), taken in
//! `main` before the runtime starts any thread. None on Windows.

use piperpc::Address;
use piperpc_demo::server::ServeConfig;

/// The sockets passed to this process, to serve beside `--listen`.
#[derive(Debug, Default)]
pub struct Sockets {
    #[cfg(unix)]
    sockets: Vec<piperpc::InheritedSocket>,
}

/// Takes the sockets a service manager passed, and removes the variables
/// that passed them, so that no child sees them.
#[cfg(unix)]
pub fn take() -> anyhow::Result<Sockets> {
    let sockets = piperpc::systemd::listen_fds()?;
    for variable in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
        // SAFETY: called from `main` before the runtime is built: this
        // process has no other thread to read the environment meanwhile.
        unsafe { std::env::remove_var(variable) };
    }
    Ok(Sockets { sockets })
}

/// None: Windows has no socket activation.
#[cfg(not(unix))]
pub fn take() -> anyhow::Result<Sockets> {
    Ok(Sockets::default())
}

impl Sockets {
    /// True when nothing was passed.
    pub fn is_empty(&self) -> bool {
        self.addresses().next().is_none()
    }

    /// The addresses the sockets listen on.
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        #[cfg(unix)]
        return self.sockets.iter().map(|s| s.local_address().clone());
        #[cfg(not(unix))]
        std::iter::empty()
    }

    /// Serves `config`'s addresses and these sockets.
    pub async fn serve(self, config: ServeConfig) -> anyhow::Result<()> {
        #[cfg(unix)]
        return piperpc_demo::server::serve_inherited(config, self.sockets).await;
        #[cfg(not(unix))]
        piperpc_demo::server::serve(config).await
    }
}
