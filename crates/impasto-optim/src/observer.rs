//! Watching a run: one record per iteration, and a way to stop it.

use std::time::Duration;

/// What a minimizer reports after each iteration.
///
/// Record 0 describes the initial point (its one evaluation, `step` 0); record k the
/// iterate after the k-th iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationRecord {
    /// Iterations completed (0 for the initial point).
    pub iteration: usize,
    /// Objective evaluations so far, the initial one included.
    pub evaluations: usize,
    /// Which evaluation the current iterate is, counting from 1 (the start point's): the
    /// point whose loss and gradient this record describes. At most `evaluations`; a line
    /// search may have evaluated other trial points after it. 1 in record 0; `evaluations`
    /// for gradient descent, Adam and L-BFGS with a fixed step.
    pub accepted_evaluation: usize,
    /// f at the current iterate.
    pub loss: f64,
    /// ‖∇f‖₂ at the current iterate (the L2 norm over every element).
    pub gradient_norm: f64,
    /// The step length t of this iteration, x_{k+1} = x_k + t·d_k: the line search's
    /// accepted t for L-BFGS, the learning rate for gradient descent and Adam; 0 in record 0.
    pub step: f64,
    /// Wall time since `minimize` was called.
    pub elapsed: Duration,
}

/// An observer's answer: go on, or stop after this iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Control {
    /// Keep iterating.
    #[default]
    Continue,
    /// End the run now; its termination is [`Termination::Stopped`](crate::Termination::Stopped).
    Stop,
}

/// Called by every minimizer after every iteration (and once for the initial point).
///
/// Closures `FnMut(&IterationRecord) -> Control` are observers, and `()` is the observer
/// that watches nothing.
///
/// # Example
///
/// ```
/// use impasto_optim::{Control, IterationRecord, Observer};
///
/// // Print like the paper's logs and stop once the loss is below 1e-3.
/// let mut observer = |r: &IterationRecord| {
///     println!("iter = {} loss = {:.4}", r.iteration, r.loss);
///     if r.loss < 1e-3 { Control::Stop } else { Control::Continue }
/// };
/// # let record = IterationRecord { iteration: 0, evaluations: 1, accepted_evaluation: 1,
/// #     loss: 1.0, gradient_norm: 1.0, step: 0.0, elapsed: std::time::Duration::ZERO };
/// assert_eq!(observer.observe(&record), Control::Continue);
/// ```
pub trait Observer {
    /// Sees one record; returns whether the run goes on.
    fn observe(&mut self, record: &IterationRecord) -> Control;
}

impl Observer for () {
    fn observe(&mut self, _record: &IterationRecord) -> Control {
        Control::Continue
    }
}

impl<F> Observer for F
where
    F: FnMut(&IterationRecord) -> Control,
{
    fn observe(&mut self, record: &IterationRecord) -> Control {
        self(record)
    }
}
