use tower::Layer;

use super::{PeerPolicy, PeerPolicyService};

/// Applies a [`PeerPolicy`] to every request; add it with tonic's
/// `Server::builder().layer(PeerPolicyLayer::new(policy))`.
#[derive(Clone, Debug)]
pub struct PeerPolicyLayer {
    policy: PeerPolicy,
}

impl PeerPolicyLayer {
    /// A layer enforcing `policy`.
    pub fn new(policy: PeerPolicy) -> PeerPolicyLayer {
        PeerPolicyLayer { policy }
    }
}

impl<S> Layer<S> for PeerPolicyLayer {
    type Service = PeerPolicyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PeerPolicyService {
            inner,
            policy: self.policy.clone(),
        }
    }
}
