//! The Stats service: the server's connection count, observable from outside.

use std::sync::{Arc, OnceLock};

use piperpc::OpenConnections;
use tonic::{Request, Response, Status};

use crate::proto::demo::{GetStatsRequest, GetStatsResponse, stats_server::Stats};

/// Stats over every listener's live connection count.
///
/// Services are added before the addresses are bound, so the counts are
/// handed over afterwards, through [`StatsService::count`].
#[derive(Clone, Debug, Default)]
pub struct StatsService {
    listeners: Arc<OnceLock<Vec<OpenConnections>>>,
}

impl StatsService {
    /// From now on, reports the sum of `listeners`' open connections (the
    /// first call wins).
    pub fn count(&self, listeners: Vec<OpenConnections>) {
        let _ = self.listeners.set(listeners);
    }
}

#[tonic::async_trait]
impl Stats for StatsService {
    async fn get(&self, _: Request<GetStatsRequest>) -> Result<Response<GetStatsResponse>, Status> {
        let open = self
            .listeners
            .get()
            .into_iter()
            .flatten()
            .map(OpenConnections::get)
            .sum::<usize>();
        Ok(Response::new(GetStatsResponse {
            open_connections: open as u64,
        }))
    }
}
