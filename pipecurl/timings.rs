//! `-vv`: how long each step took, printed after everything else as
//! grpcurl's "Timing Data" section.

use std::fmt::Write;
use std::time::Duration;

use tokio::time::Instant;

/// Steps and their durations, in the order they ran.
#[derive(Debug)]
pub(crate) struct Timings {
    started: Instant,
    steps: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// Starts the clock of the whole run.
    pub(crate) fn start() -> Timings {
        Timings {
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Records `step` as having started at `since` and ended now.
    pub(crate) fn record(&mut self, step: &'static str, since: Instant) {
        self.steps.push((step, since.elapsed()));
    }

    /// The section: the total, then one indented line per step.
    pub(crate) fn render(&self) -> String {
        let mut out = format!("Timing Data: {:?}", self.started.elapsed());
        for (step, took) in &self.steps {
            let _ = write!(out, "\n  {step}: {took:?}");
        }
        out
    }
}
