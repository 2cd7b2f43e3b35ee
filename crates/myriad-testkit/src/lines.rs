//! Reading what a child process prints (a `kubectl get -w`, a streaming `curl`) line by
//! line as it comes, waiting for each line with a deadline instead of sleeping.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The lines of a stream, read on a thread of their own.
pub struct Lines {
    rx: mpsc::Receiver<String>,
}

impl Lines {
    pub fn new(stream: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Lines { rx }
    }

    /// The next line, if one arrives within `wait`.
    pub fn next_within(&self, wait: Duration) -> Option<String> {
        self.rx.recv_timeout(wait).ok()
    }

    /// Lines until `done` holds for those read so far, or `wait` passes; returns them.
    pub fn until(&self, wait: Duration, mut done: impl FnMut(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut lines = Vec::new();
        while !done(&lines) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
        lines
    }
}
