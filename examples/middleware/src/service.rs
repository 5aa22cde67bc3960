//! The Jobs service: jobs that take a while, so that the concurrency limit
//! in front of it has calls to hold back, and that report how many ran at
//! once, so a caller can see that it did.

use std::pin::Pin;
use std::time::Duration;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::Stats;
use crate::pb::jobs_server::Jobs as JobsRpc;
use crate::pb::{Progress, RunReply, RunRequest, StatsReply, StatsRequest, WatchRequest};

/// The longest job one `Run` may ask for: a bound on what one call costs.
const MAX_MILLIS: u32 = 10_000;
/// The most steps one `Watch` sends.
const MAX_STEPS: u32 = 100;

/// The jobs service; clones share its [`Stats`].
#[derive(Clone, Debug)]
pub struct Jobs {
    stats: Stats,
}

impl Jobs {
    /// A service counting into `stats`, which the server's trace layer
    /// counts into too.
    pub fn new(stats: Stats) -> Jobs {
        Jobs { stats }
    }
}

#[tonic::async_trait]
impl JobsRpc for Jobs {
    async fn run(&self, request: Request<RunRequest>) -> Result<Response<RunReply>, Status> {
        self.stats.handled();
        let millis = request.into_inner().millis;
        if millis > MAX_MILLIS {
            return Err(Status::invalid_argument(format!(
                "millis is {millis}; at most {MAX_MILLIS}"
            )));
        }
        let (running, _job) = self.stats.job_started();
        tokio::time::sleep(Duration::from_millis(millis.into())).await;
        Ok(Response::new(RunReply {
            running,
            most_running: self.stats.most_running(),
        }))
    }

    type WatchStream = Pin<Box<dyn Stream<Item = Result<Progress, Status>> + Send>>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        self.stats.handled();
        let of = request.into_inner().steps;
        if of > MAX_STEPS {
            return Err(Status::invalid_argument(format!(
                "steps is {of}; at most {MAX_STEPS}"
            )));
        }
        let steps = (1..=of).map(move |step| Ok(Progress { step, of }));
        Ok(Response::new(Box::pin(tokio_stream::iter(steps))))
    }

    async fn stats(&self, _: Request<StatsRequest>) -> Result<Response<StatsReply>, Status> {
        self.stats.handled();
        Ok(Response::new(self.stats.reply()))
    }
}
