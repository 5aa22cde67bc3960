//! The Stats service: the server's connection count, observable from outside.

use piperpc::OpenConnections;
use tonic::{Request, Response, Status};

use crate::proto::demo::{GetStatsRequest, GetStatsResponse, stats_server::Stats};

/// Stats over every listener's live connection count.
#[derive(Clone, Debug)]
pub struct StatsService {
    listeners: Vec<OpenConnections>,
}

impl StatsService {
    /// Reports the sum of `listeners`' open connections.
    pub fn new(listeners: Vec<OpenConnections>) -> StatsService {
        StatsService { listeners }
    }
}

#[tonic::async_trait]
impl Stats for StatsService {
    async fn get(&self, _: Request<GetStatsRequest>) -> Result<Response<GetStatsResponse>, Status> {
        let open = self
            .listeners
            .iter()
            .map(OpenConnections::get)
            .sum::<usize>();
        Ok(Response::new(GetStatsResponse {
            open_connections: open as u64,
        }))
    }
}
