//! Serving sockets this process was handed (systemd socket activation, or
//! a parent's), with the server's own listener settings.
//!
//! An [`InheritedSocket`] becomes a listener here with exactly the options
//! [`Server::bind`] binds with (the default peer policy included), so
//! nothing of the server's can be forgotten for it; an application that
//! builds its own listeners uses
//! [`ListenerOptions::adopt`](crate::ListenerOptions::adopt) and
//! [`Server::serve_with_incoming`] instead.

use super::{Bound, Server, ServerLayer};
use crate::address::IntoAddress;
use crate::{Error, InheritedSocket};

impl<L> Server<L> {
    /// Serves the listening sockets this process was handed, as
    /// [`Server::bind`] serves the addresses it binds: the peer policy
    /// (by default [`PeerPolicy::same_user`](crate::PeerPolicy::same_user)),
    /// TLS on TCP, the HTTP/2 limits, [`ConnectInfo`](crate::ConnectInfo)
    /// with the peer's pid and uid on Unix sockets, all alike. Their files
    /// belong to whoever bound them: not chmod'ed, not removed at the stop.
    /// Unix only. Must be called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// As [`ListenerOptions::adopt`](crate::ListenerOptions::adopt), for
    /// the first socket that cannot be served.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::server::{Server, StopSignal};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// let stop = StopSignal::install()?;
    /// let bound = Server::builder()
    ///     .add_service(health)
    ///     .bind_inherited(piperpc::systemd::listen_fds()?)?;
    /// bound.announce()?;
    /// piperpc::systemd::notify_ready()?;
    /// bound.serve_with_shutdown(stop.stopped()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind_inherited<ResBody>(
        self,
        sockets: impl IntoIterator<Item = InheritedSocket>,
    ) -> Result<Bound, Error>
    where
        L: ServerLayer<ResBody>,
    {
        self.bind_all(Vec::<crate::Address>::new(), sockets)
    }

    /// [`Server::bind`] and [`Server::bind_inherited`] at once: binds
    /// `addresses` and serves `sockets` too, the addresses first in
    /// [`Bound::local_addresses`]. Unix only. Must be called inside a tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// As [`Server::bind`] and [`Server::bind_inherited`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::server::Server;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// // The .socket unit's sockets, and an abstract socket of our own.
    /// let bound = Server::builder()
    ///     .add_service(health)
    ///     .bind_all(["unix-abstract:my-app"], piperpc::systemd::listen_fds()?)?;
    /// bound.serve().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind_all<A, ResBody>(
        self,
        addresses: impl IntoIterator<Item = A>,
        sockets: impl IntoIterator<Item = InheritedSocket>,
    ) -> Result<Bound, Error>
    where
        A: IntoAddress,
        L: ServerLayer<ResBody>,
    {
        let options = self.listener_options_in_force();
        let mut listeners = addresses
            .into_iter()
            .map(|address| options.bind(address))
            .collect::<Result<Vec<_>, Error>>()?;
        for socket in sockets {
            listeners.push(options.adopt(socket)?);
        }
        let application = self.layer.application(self.routes);
        Ok(Bound::new(listeners, application, self.settings))
    }
}
