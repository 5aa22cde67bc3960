//! What every measurement needs: the plan, where the servers are, the
//! progress bar; and the order subjects take turns in.

use std::time::{Duration, Instant};

use crate::client::{Conn, Targets};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::results::Subject;

/// The context of one run's measurements.
#[derive(Debug)]
pub struct Session {
    /// How much to measure.
    pub plan: Plan,
    /// Where the servers listen.
    pub targets: Targets,
    /// Steps done so far.
    pub progress: Progress,
}

impl Session {
    /// One connection to each subject, in [`Subject::ALL`] order.
    pub async fn open_each(&self) -> anyhow::Result<Vec<Conn>> {
        let mut conns = Vec::with_capacity(Subject::ALL.len());
        for subject in Subject::ALL {
            conns.push(Conn::open(&self.targets, subject).await?);
        }
        Ok(conns)
    }
}

/// The order subjects are measured in, in round `round`: every round
/// measures them all back to back, and the first place rotates, so slow
/// drift of the machine (another process, heat, frequency) weighs on all
/// alike instead of on whoever runs last.
pub fn order(round: usize) -> [Subject; 5] {
    let mut subjects = Subject::ALL;
    subjects.rotate_left(round % Subject::ALL.len());
    subjects
}

/// Index of `subject` in per-subject arrays ([`Subject::ALL`] order).
pub fn index(subject: Subject) -> usize {
    match subject {
        Subject::Piperpc => 0,
        Subject::TonicLocal => 1,
        Subject::Tcp => 2,
        Subject::Raw => 3,
        Subject::Floor => 4,
    }
}

/// A time box for a loop: `while time_box.next() { ...one step... }`
/// runs the step until `length` has passed, at least once, and counts it.
#[derive(Debug)]
pub struct TimeBox {
    start: Instant,
    length: Duration,
    steps: u64,
    elapsed: Duration,
}

impl TimeBox {
    /// Starts the clock.
    pub fn start(length: Duration) -> TimeBox {
        TimeBox {
            start: Instant::now(),
            length,
            steps: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// True while there is time left (and always the first time).
    pub fn next(&mut self) -> bool {
        self.elapsed = self.start.elapsed();
        if self.steps > 0 && self.elapsed >= self.length {
            return false;
        }
        self.steps += 1;
        true
    }

    /// Steps run, and the time they took.
    pub fn finish(&self) -> (u64, Duration) {
        (self.steps, self.elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_boxes_run_at_least_once() {
        let mut time_box = TimeBox::start(Duration::ZERO);
        assert!(time_box.next());
        assert!(!time_box.next());
        assert_eq!(time_box.finish().0, 1);

        let mut time_box = TimeBox::start(Duration::from_millis(20));
        let mut steps = 0;
        while time_box.next() {
            steps += 1;
            std::thread::sleep(Duration::from_millis(1));
        }
        let (counted, elapsed) = time_box.finish();
        assert_eq!(counted, steps);
        assert!(steps >= 2 && elapsed >= Duration::from_millis(20));
    }

    #[test]
    fn every_subject_leads_in_turn() {
        assert_eq!(order(0), Subject::ALL);
        assert_eq!(order(1)[0], Subject::TonicLocal);
        assert_eq!(order(4)[0], Subject::Floor);
        assert_eq!(order(5), Subject::ALL);
        for round in 0..5 {
            let mut seen = order(round).map(index);
            seen.sort();
            assert_eq!(seen, [0, 1, 2, 3, 4]);
        }
        for (i, subject) in Subject::ALL.into_iter().enumerate() {
            assert_eq!(index(subject), i);
        }
    }
}
