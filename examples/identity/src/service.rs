//! A handler that learns who called from [`ConnectInfo`].

use piperpc::ConnectInfo;
use tonic::{Request, Response, Status};

use crate::pb::identity_server::Identity;
use crate::pb::{Caller, WhoAmIRequest};

/// Answers `WhoAmI` with what the OS said about the caller's connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct WhoAmI;

#[tonic::async_trait]
impl Identity for WhoAmI {
    async fn who_am_i(&self, request: Request<WhoAmIRequest>) -> Result<Response<Caller>, Status> {
        // piperpc's listener puts it in every request, once per connection.
        let peer = request
            .extensions()
            .get::<ConnectInfo>()
            .ok_or_else(|| Status::internal("no ConnectInfo: not served by piperpc"))?;
        Ok(Response::new(Caller {
            pid: peer.peer_pid,
            uid: peer.peer_uid,
            gid: peer.peer_gid,
            sid: peer.peer_sid.clone(),
        }))
    }
}
