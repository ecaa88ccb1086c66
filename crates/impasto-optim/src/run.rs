//! What every minimizer shares: the run's prologue (the start point's evaluation, record
//! 0 and its checks), the evaluations with their count and the best point, and the checks
//! after each step (the observer, the tolerances, the limits). A minimizer supplies only
//! its [`Method`]: how one iteration moves.

use std::time::Instant;

use burn::tensor::Tensor;

use crate::scalars::{Best, Point, evaluate};
use crate::{
    Bounds, Control, IterationRecord, Objective, Observer, OptimError, Outcome, Termination,
};

/// The stopping rules every minimizer has, in every config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// Iterations before [`Termination::MaxIterations`].
    pub max_iterations: usize,
    /// Converged when max |g| ≤ this (under bounds, the projected gradient's max).
    pub gradient_tolerance: f64,
    /// Converged when |f_{k+1} − f_k| < this (and L-BFGS's own change tests).
    pub change_tolerance: f64,
}

impl Stopping {
    /// The defaults every config starts from, but for the change tolerance.
    pub const fn defaults(change_tolerance: f64) -> Self {
        Self {
            max_iterations: 1000,
            gradient_tolerance: 1e-7,
            change_tolerance,
        }
    }
}

/// The objective, the box every point is projected into, the evaluations made and the
/// best point seen.
pub struct Evaluator<'o, const D: usize, O> {
    objective: &'o mut O,
    bounds: Bounds<D>,
    /// Evaluations made, the start point's included.
    pub count: usize,
    best: Best<D>,
}

impl<'o, const D: usize, O: Objective<D>> Evaluator<'o, D, O> {
    /// Evaluates the start point, projected into `bounds` (evaluation 1).
    pub(crate) fn start(
        objective: &'o mut O,
        x0: Tensor<D>,
        bounds: Bounds<D>,
    ) -> Result<(Self, Point<D>), OptimError<O::Error>> {
        if let Some(shape) = bounds.shape().filter(|shape| shape != x0.dims().as_slice()) {
            return Err(OptimError::invalid(
                "bounds shape",
                format!("{shape:?}"),
                "the start point's shape",
            )
            .widen());
        }
        let x0 = bounds.project(x0);
        let (start, _) = evaluate(objective, x0, &bounds, None, 1)?;
        let evaluator = Self {
            objective,
            bounds,
            count: 1,
            best: Best::new(&start),
        };
        Ok((evaluator, start))
    }

    /// The box of this run (none when unconstrained).
    pub fn bounds(&self) -> &Bounds<D> {
        &self.bounds
    }

    /// Evaluates `x` projected into the box (the next evaluation), with its slope gᵀd
    /// along `direction` if one is given, and offers it to the best-point record unless
    /// something is not finite.
    pub fn evaluate(
        &mut self,
        x: Tensor<D>,
        direction: Option<&Tensor<D>>,
    ) -> Result<(Point<D>, Option<f64>), OptimError<O::Error>> {
        let x = self.bounds.project(x);
        let (point, slope) = evaluate(self.objective, x, &self.bounds, direction, self.count + 1)?;
        self.count += 1;
        if slope.is_none_or(f64::is_finite) {
            self.best.offer(&point);
        }
        Ok((point, slope))
    }

    /// A first-order method's step: evaluates `x`, reached by a step of length `step`.
    pub fn step_to(&mut self, x: Tensor<D>, step: f64) -> Step<D, O::Error> {
        let (point, _) = self.evaluate(x, None)?;
        Ok(Iteration::Moved {
            point,
            step,
            settled: false,
        })
    }
}

/// What one iteration of a [`Method`] did.
// One value per iteration, moved once: boxing the large variant would only allocate.
#[allow(clippy::large_enum_variant)]
pub enum Iteration<const D: usize> {
    /// It moved to `point` by a step of length `step`; `settled` when the method's own
    /// change test holds (L-BFGS: max |t·d| ≤ the change tolerance). The point may be
    /// non-finite (gradient descent and Adam do not look): the run then ends there.
    Moved {
        point: Point<D>,
        step: f64,
        settled: bool,
    },
    /// No step: iterate again from the same point (L-BFGS, its history dropped).
    Retry,
    /// The run ends without a step.
    Ended(Termination),
}

/// A minimizer's algorithm: how one iteration moves. Sealed (the trait is not exported),
/// so only this crate's minimizers implement [`Minimizer`](crate::Minimizer).
pub trait Method {
    /// The algorithm's state through one run.
    type State<const D: usize>: Iterate<D>;

    /// The stopping rules.
    fn stopping(&self) -> Stopping;

    /// The state at the start point (its evaluation already made and checked).
    fn start<const D: usize>(&self, start: &Point<D>) -> Self::State<D>;
}

/// Where an iteration starts.
pub struct Context<'a, 'o, const D: usize, O> {
    /// The run's evaluations, for the iteration's own.
    pub evaluator: &'a mut Evaluator<'o, D, O>,
    /// The current iterate.
    pub current: &'a Point<D>,
    /// The iteration's number, 0 for the first.
    pub iteration: usize,
}

/// What [`Iterate::iterate`] returns.
pub type Step<const D: usize, E> = Result<Iteration<D>, OptimError<E>>;

/// One iteration of a [`Method`], from the current point.
pub trait Iterate<const D: usize> {
    /// A termination due before the next iteration, other than the iteration limit.
    fn limit(&self, _evaluations: usize) -> Option<Termination> {
        None
    }

    /// Takes one iteration from `at.current`.
    fn iterate<O: Objective<D>>(&mut self, at: Context<'_, '_, D, O>) -> Step<D, O::Error>;
}

/// The counts, the clock and the observer of one run.
struct Run<'a, 'o, const D: usize, O, B> {
    started: Instant,
    iterations: usize,
    evaluator: Evaluator<'o, D, O>,
    observer: &'a mut B,
}

impl<const D: usize, O: Objective<D>, B: Observer> Run<'_, '_, D, O, B> {
    /// Tells the observer about `point`, reached by a step of length `step`; returns
    /// whether it asks to stop.
    fn observe(&mut self, point: &Point<D>, step: f64) -> bool {
        let record = IterationRecord {
            iteration: self.iterations,
            evaluations: self.evaluator.count,
            accepted_evaluation: point.evaluation,
            loss: point.loss,
            gradient_norm: point.gradient_norm,
            step,
            elapsed: self.started.elapsed(),
        };
        self.observer.observe(&record) == Control::Stop
    }

    /// The outcome: the best point seen and why the run ended.
    fn finish(self, termination: Termination) -> Result<Outcome<D>, OptimError<O::Error>> {
        let best = self.evaluator.best;
        Ok(Outcome {
            x: best.x,
            loss: best.loss,
            iterations: self.iterations,
            evaluations: self.evaluator.count,
            termination,
        })
    }
}

/// Minimises `objective` from `x0` within `bounds` by `method`: the one run loop of every
/// minimizer.
///
/// The start point is projected into the box, evaluated, reported (record 0) and checked
/// (finite, the gradient tolerance); then, before each iteration, the iteration limit and
/// the method's own limit; after each step, in this order: a non-finite point, the
/// observer, the gradient tolerance (on the projected gradient), the change tests.
pub fn minimize<M, const D: usize, O, B>(
    method: &M,
    objective: &mut O,
    x0: Tensor<D>,
    bounds: &Bounds<D>,
    observer: &mut B,
) -> Result<Outcome<D>, OptimError<O::Error>>
where
    M: Method + ?Sized,
    O: Objective<D>,
    B: Observer,
{
    let started = Instant::now();
    let stopping = method.stopping();
    let (evaluator, mut current) = Evaluator::start(objective, x0.inner(), bounds.clone())?;
    let mut run = Run {
        started,
        iterations: 0,
        evaluator,
        observer,
    };
    if !current.is_finite() {
        return run.finish(Termination::NonFiniteLoss);
    }
    if run.observe(&current, 0.0) {
        return run.finish(Termination::Stopped);
    }
    if current.projected_gradient_max <= stopping.gradient_tolerance {
        return run.finish(Termination::ConvergedGradient);
    }
    let mut state = method.start(&current);
    loop {
        if run.iterations >= stopping.max_iterations {
            return run.finish(Termination::MaxIterations);
        }
        if let Some(termination) = state.limit(run.evaluator.count) {
            return run.finish(termination);
        }
        let at = Context {
            evaluator: &mut run.evaluator,
            current: &current,
            iteration: run.iterations,
        };
        let (point, step, settled) = match state.iterate(at)? {
            Iteration::Moved {
                point,
                step,
                settled,
            } => (point, step, settled),
            Iteration::Retry => continue,
            Iteration::Ended(termination) => return run.finish(termination),
        };
        run.iterations += 1;
        if !point.is_finite() {
            return run.finish(Termination::NonFiniteLoss);
        }
        let previous_loss = std::mem::replace(&mut current, point).loss;
        if run.observe(&current, step) {
            return run.finish(Termination::Stopped);
        }
        if current.projected_gradient_max <= stopping.gradient_tolerance {
            return run.finish(Termination::ConvergedGradient);
        }
        if settled || (current.loss - previous_loss).abs() < stopping.change_tolerance {
            return run.finish(Termination::ConvergedChange);
        }
    }
}
