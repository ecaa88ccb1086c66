//! Bookkeeping every minimizer shares: counts, the clock, the best point, the observer.

use std::time::Instant;

use crate::scalars::{Best, Point};
use crate::{Control, IterationRecord, Observer, Outcome, Termination};

/// The state of one run that is not the algorithm's own.
pub(crate) struct Run<'a, const D: usize, B> {
    pub started: Instant,
    pub iterations: usize,
    pub evaluations: usize,
    pub best: Best<D>,
    observer: &'a mut B,
}

impl<'a, const D: usize, B: Observer> Run<'a, D, B> {
    /// Starts the bookkeeping from the start point's evaluation (one evaluation made).
    pub fn new(started: Instant, start: &Point<D>, observer: &'a mut B) -> Self {
        Self {
            started,
            iterations: 0,
            evaluations: 1,
            best: Best::new(start),
            observer,
        }
    }

    /// Tells the observer about `point`, reached by a step of length `step`; returns
    /// whether it asks to stop.
    pub fn observe(&mut self, point: &Point<D>, step: f64) -> bool {
        let record = IterationRecord {
            iteration: self.iterations,
            evaluations: self.evaluations,
            loss: point.loss,
            gradient_norm: point.gradient_norm,
            step,
            elapsed: self.started.elapsed(),
        };
        self.observer.observe(&record) == Control::Stop
    }

    /// The outcome: the best point seen and why the run ended.
    pub fn finish(self, termination: Termination) -> Outcome<D> {
        Outcome {
            x: self.best.x,
            loss: self.best.loss,
            iterations: self.iterations,
            evaluations: self.evaluations,
            termination,
        }
    }
}
