//! Progress of a run, on stderr.
//!
//! A bar with the phase and the time left when stderr is a terminal
//! (indicatif hides it otherwise); one line per phase when it is not, so
//! a log still shows where a run was.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress of one run, counted in measurement steps.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `steps` steps.
    pub fn new(steps: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                // wide_msg takes what is left of the line, so it never wraps.
                "{elapsed:>4} [{bar:24}] {pos:>3}/{len} eta {eta:>3}  {wide_msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    /// Says which figure is being measured.
    pub fn phase(&self, name: &str) {
        if self.bar.is_hidden() {
            eprintln!("piperpc-bench: measuring {name}");
        }
        self.bar.set_message(name.to_string());
    }

    /// One step done.
    pub fn step(&self) {
        self.bar.inc(1);
    }

    /// Removes the bar, so the table prints on a clean screen.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
