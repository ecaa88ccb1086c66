//! What a run shows while it runs: a progress bar on a terminal, the paper's
//! `iter = 12 loss = 5.225` lines otherwise, nothing with `--quiet`. Everything goes to
//! stderr, the stream of diagnostics.

use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use impasto::report::IterationReport;
use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// An indicatif bar (stderr is a terminal).
    Bar,
    /// A plain line every `--print-every` iterations.
    Lines,
    /// Nothing but errors.
    Quiet,
}

/// The bar being drawn, if any, so that notices from other threads (Ctrl-C) print above
/// it instead of being overwritten by it.
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Prints a line on stderr, above the progress bar if one is drawn.
pub fn print_line(message: &str) {
    let bar = BAR.lock().unwrap_or_else(PoisonError::into_inner);
    match bar.as_ref() {
        Some(bar) if !bar.is_finished() => bar.println(message),
        _ => eprintln!("{message}"),
    }
}

/// The display of one run.
///
/// Notices wait until the run's first iteration is seen: a run that fails before it
/// (an unreadable image, a bad weights file) prints its error and nothing else.
pub struct Display {
    mode: Mode,
    print_every: usize,
    bar: Option<ProgressBar>,
    last_printed: Option<usize>,
    pending: Option<Vec<String>>,
}

impl Display {
    /// A bar if stderr is a terminal, else lines every `print_every` iterations; nothing
    /// if `quiet`.
    pub fn new(quiet: bool, print_every: usize) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Display {
            mode,
            print_every: print_every.max(1),
            bar: None,
            last_printed: None,
            pending: Some(Vec::new()),
        }
    }

    /// A notice (not shown with `--quiet`), held back until the first iteration.
    pub fn note(&mut self, message: &str) {
        if self.mode == Mode::Quiet {
            return;
        }
        match &mut self.pending {
            Some(pending) => pending.push(message.to_owned()),
            None => print_line(message),
        }
    }

    /// A warning (not shown with `--quiet`), held back until the first iteration.
    pub fn warn(&mut self, message: &str) {
        self.note(&format!("warning: {message}"));
    }

    /// Prints the notices held back.
    fn flush(&mut self) {
        for message in self.pending.take().unwrap_or_default() {
            print_line(&message);
        }
    }

    /// The run is starting: images load, the network is built, targets are computed.
    pub fn start(&mut self, max_iterations: usize) {
        if self.mode != Mode::Bar {
            return;
        }
        let bar = ProgressBar::new(max_iterations as u64);
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:25}] {pos}/{len}  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message("loading, computing targets");
        bar.enable_steady_tick(Duration::from_millis(120));
        *BAR.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
        self.bar = Some(bar);
    }

    /// One iteration's record; `scale` is its stage's longest side in a multi-scale run.
    pub fn iteration(&mut self, record: &IterationReport, scale: Option<u32>) {
        self.flush();
        let scale = scale.map_or(String::new(), |px| format!("{px} px  "));
        match self.mode {
            Mode::Quiet => {}
            Mode::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(record.iteration as u64);
                    let rate = rate(record);
                    bar.set_message(format!("{scale}loss {}  {rate}", number(record.loss)));
                }
            }
            Mode::Lines => {
                if record.iteration.is_multiple_of(self.print_every) {
                    self.line(record, &scale);
                }
            }
        }
    }

    /// The run is over; `last` is its final record, printed if it was not yet. `None`:
    /// the run failed, and the notices held back are dropped.
    pub fn finish(&mut self, last: Option<&IterationReport>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            *BAR.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        if last.is_none() {
            self.pending = None;
        }
        self.flush();
        if self.mode == Mode::Lines
            && let Some(last) = last
            && self.last_printed != Some(last.iteration)
        {
            self.line(last, "");
        }
    }

    fn line(&mut self, record: &IterationReport, scale: &str) {
        print_line(&format!(
            "{scale}iter = {} loss = {}",
            record.iteration,
            number(record.loss)
        ));
        self.last_printed = Some(record.iteration);
    }
}

/// Iterations per second so far (seconds per iteration when slower than one a second).
fn rate(record: &IterationReport) -> String {
    if record.iteration == 0 || record.elapsed_ms <= 0.0 {
        return String::new();
    }
    let per_second = record.iteration as f64 / (record.elapsed_ms / 1e3);
    if per_second >= 1.0 {
        format!("{per_second:.2} it/s")
    } else {
        format!("{:.2} s/it", 1.0 / per_second)
    }
}

/// A loss with four significant digits: `5.225`, `0.01234`, `1.235e7`.
pub fn number(x: f64) -> String {
    let magnitude = x.abs();
    if x == 0.0 || !x.is_finite() {
        format!("{x}")
    } else if (1e-3..1e5).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_have_four_significant_digits() {
        assert_eq!(number(5.22512), "5.225");
        assert_eq!(number(0.0123456), "0.01235");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(12345678.0), "1.235e7");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
