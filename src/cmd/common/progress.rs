//! A progress bar on stderr that appears only on a terminal and after one second.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr that appears only on a terminal and after one second.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    pub fn new(total: u64, msg: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {percent}% ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(msg.to_string());
        Progress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    pub fn set(&mut self, pos: u64) {
        if !self.shown
            && self.start.elapsed() > Duration::from_secs(1)
            && std::io::stderr().is_terminal()
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(pos);
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
