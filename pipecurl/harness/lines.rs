//! A child's standard output, line by line, on a channel: read by a
//! thread, so a wait for a line can be bounded, and drained to the end, so
//! a talkative server never blocks on a full pipe.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;

/// Starts the reader thread of `output`.
pub(super) fn read_lines(output: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            // Nobody listens any more: keep draining regardless.
            let _ = sender.send(line);
        }
    });
    lines
}
