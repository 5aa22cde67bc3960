use tower::Layer;

use super::ResourceExhausted;

/// Wraps a service in [`ResourceExhausted`]; add it with tonic's
/// `Server::builder().layer(ResourceExhaustedLayer)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceExhaustedLayer;

impl<S> Layer<S> for ResourceExhaustedLayer {
    type Service = ResourceExhausted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ResourceExhausted { inner }
    }
}
