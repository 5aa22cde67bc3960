use tower::Layer;

use super::ResourceExhausted;

/// Wraps a service in [`ResourceExhausted`]; add it with tonic's
/// `Server::builder().layer(ResourceExhaustedLayer::new())`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct ResourceExhaustedLayer;

impl ResourceExhaustedLayer {
    /// The layer (the same as [`Default::default`]).
    pub const fn new() -> ResourceExhaustedLayer {
        ResourceExhaustedLayer
    }
}

impl<S> Layer<S> for ResourceExhaustedLayer {
    type Service = ResourceExhausted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ResourceExhausted {
            inner,
            enabled: true,
        }
    }
}
