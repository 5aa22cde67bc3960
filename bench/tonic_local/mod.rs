//! Plain tonic over the same kind of local pipe as piperpc: what a Rust
//! user picks for a local link without piperpc, with tonic's defaults on
//! both ends.
//!
//! - Unix: `Server::serve_with_incoming(UnixListenerStream)`, and an
//!   `Endpoint` whose connector opens a `UnixStream`.
//! - Windows: tokio named pipes in byte mode (the approach of tonic's own
//!   named-pipe proposal), served with `serve_with_incoming`, and an
//!   `Endpoint` whose connector opens the pipe.
//!
//! The services are the TCP baseline's ([`crate::role::tonic_router`]): only
//! the link differs.

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

use anyhow::Context;
use tonic::transport::{Channel, Endpoint};

#[cfg(unix)]
use unix as platform;
#[cfg(windows)]
use windows as platform;

/// The server's process: serves on the local `path` until standard input
/// closes.
pub fn serve(path: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let incoming = platform::incoming(path).with_context(|| format!("binding {path}"))?;
        let router = crate::role::tonic_router()?;
        println!("listening on {path}");
        crate::role::exit_on_stdin_eof();
        router
            .serve_with_incoming(incoming)
            .await
            .with_context(|| format!("serving on {path}"))
    })
}

/// A tonic channel to the server at `path`, tonic's defaults.
pub async fn connect(path: &str) -> anyhow::Result<Channel> {
    let path = path.to_string();
    // The URI only names the HTTP/2 authority: the connector opens the pipe.
    let endpoint = Endpoint::from_static("http://localhost");
    let channel = endpoint
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let path = path.clone();
            async move {
                let stream = platform::connect(&path).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await?;
    Ok(channel)
}
