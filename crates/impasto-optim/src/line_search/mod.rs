//! The step along L-BFGS's direction, one mechanism for the three kinds: trial points
//! x + t·d evaluated through the run's budget, by a fixed step (torch.optim.LBFGS without
//! line search), strong Wolfe or Armijo.
//!
//! Each trial t is evaluated once and the accepted trial's evaluation is handed back, so
//! the caller never re-evaluates the accepted point; every trial is offered to the run's
//! best-point record, so a failed search still leaves the best point seen.

mod armijo;
mod strong_wolfe;
#[cfg(test)]
mod tests;

pub(crate) use armijo::armijo;
pub(crate) use strong_wolfe::strong_wolfe;

use burn::tensor::{DType, Tensor};

use crate::run::Evaluator;
use crate::scalars::Point;
use crate::{Objective, OptimError};

/// The most trial points one line search evaluates (Nocedal & Wright suggest a small
/// bound; torch.optim.LBFGS uses 25, scipy's dcsrch 20).
pub(crate) const MAX_TRIALS: usize = 25;

/// The step a search accepted.
#[derive(Debug)]
pub(crate) struct Accepted<const D: usize> {
    /// The step t.
    pub step: f64,
    /// The trial point x + t·d with its evaluation (boxed: a tensor handle is large, and
    /// the search's other outcomes are empty).
    pub point: Box<Point<D>>,
    /// Its slope g(x + t d)ᵀd; `None` for a fixed step, which does not read it.
    // Read by the unit tests, which check the strong Wolfe conditions with it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub slope: Option<f64>,
}

impl<const D: usize> Accepted<D> {
    fn new(step: f64, point: Box<Point<D>>, slope: f64) -> Self {
        Self {
            step,
            point,
            slope: Some(slope),
        }
    }
}

/// Why a search ended without a step.
#[derive(Debug)]
pub(crate) enum Halt<E> {
    /// No acceptable step: d is not a descent direction, the interval shrank below what
    /// the arithmetic resolves, or [`MAX_TRIALS`] trials were spent.
    Failed,
    /// A trial's loss, gradient or slope was not finite.
    NonFinite,
    /// The run's evaluation budget ran out during the search.
    OutOfEvaluations,
    /// The objective or the device failed.
    Error(OptimError<E>),
}

impl<E> From<OptimError<E>> for Halt<E> {
    fn from(error: OptimError<E>) -> Self {
        Halt::Error(error)
    }
}

/// What a search returns.
pub(crate) type Search<const D: usize, E> = Result<Accepted<D>, Halt<E>>;

/// The trial points of one search along x + t·d.
pub(crate) struct Trials<'a, 'o, const D: usize, O> {
    pub evaluator: &'a mut Evaluator<'o, D, O>,
    /// The start point x with f(x), g(x).
    pub start: &'a Point<D>,
    /// The direction d.
    pub direction: &'a Tensor<D>,
    /// g(x)ᵀd.
    pub slope: f64,
    /// max |dᵢ|, to tell when two steps no longer give different points.
    pub direction_max: f64,
    /// The run's evaluation limit.
    pub max_evaluations: usize,
}

impl<const D: usize, O: Objective<D>> Trials<'_, '_, D, O> {
    /// torch.optim.LBFGS without line search: the one trial at `step`, accepted whatever
    /// its loss (its slope is not read).
    pub fn fixed(&mut self, step: f64) -> Search<D, O::Error> {
        let x = self.point_at(step)?;
        let (point, _) = self.evaluator.evaluate(x, None)?;
        Ok(Accepted {
            step,
            point: finite(point)?,
            slope: None,
        })
    }

    /// Evaluates x + t·d with its slope g(x + t d)ᵀd (one evaluation of the budget).
    ///
    /// Under bounds the point is P(x + t·d) and the slope is the right derivative of
    /// φ(t) = f(P(x + t·d)): g ᵀ d over the elements the projection does not hold.
    pub fn at(&mut self, t: f64) -> Result<(Box<Point<D>>, f64), Halt<O::Error>> {
        let x = self.point_at(t)?;
        let bounds = self.evaluator.bounds();
        let (point, slope) = if bounds.is_none() {
            self.evaluator.evaluate(x, Some(self.direction))?
        } else {
            let along = bounds.path_direction(&x, self.direction);
            self.evaluator.evaluate(x, Some(&along))?
        };
        let slope = slope.filter(|s| s.is_finite()).ok_or(Halt::NonFinite)?;
        Ok((finite(point)?, slope))
    }

    /// x + t·d (the evaluator projects it into the box), if the budget allows one more
    /// evaluation.
    fn point_at(&self, t: f64) -> Result<Tensor<D>, Halt<O::Error>> {
        if self.evaluator.count >= self.max_evaluations {
            return Err(Halt::OutOfEvaluations);
        }
        Ok(self.start.x.clone() + self.direction.clone().mul_scalar(t))
    }

    /// (f(x), gᵀd) if d is a descent direction and `initial` a positive step; otherwise
    /// the search fails without evaluating. Written so that a NaN slope or step fails too.
    pub fn descent(&self, initial: f64) -> Result<(f64, f64), Halt<O::Error>> {
        let (f0, g0) = (self.start.loss, self.slope);
        if g0 < 0.0 && initial > 0.0 {
            Ok((f0, g0))
        } else {
            Err(Halt::Failed)
        }
    }

    /// Whether steps a and b are too close to give different points: |a − b| within a few
    /// units of the tensors' precision of the step, or |a − b|·max |d| below the change
    /// tolerance.
    pub fn indistinct(&self, a: f64, b: f64, change_tolerance: f64) -> bool {
        let width = (a - b).abs();
        width * self.direction_max <= change_tolerance
            || width <= 4.0 * self.epsilon() * a.abs().max(b.abs())
    }

    /// Whether two losses differ by no more than their rounding: then only the slopes can
    /// tell where the minimum along d lies.
    pub fn same_loss(&self, f: f64, g: f64) -> bool {
        (f - g).abs() <= 10.0 * self.epsilon() * f.abs().max(g.abs())
    }

    /// The machine epsilon of the point's dtype.
    fn epsilon(&self) -> f64 {
        match self.start.x.dtype() {
            DType::F64 => f64::EPSILON,
            DType::F16 => 9.77e-4,
            DType::BF16 => 7.82e-3,
            _ => f64::from(f32::EPSILON),
        }
    }
}

/// The point, if its loss and gradient are finite.
fn finite<const D: usize, E>(point: Point<D>) -> Result<Box<Point<D>>, Halt<E>> {
    if point.is_finite() {
        Ok(Box::new(point))
    } else {
        Err(Halt::NonFinite)
    }
}

/// The minimiser of the cubic interpolating f and f′ at t1 and t2, clamped to
/// [lo, hi] (Nocedal & Wright, equation 3.59); the midpoint of the bounds if the cubic
/// has no minimiser.
pub(crate) fn cubic_minimizer(
    (t1, f1, g1): (f64, f64, f64),
    (t2, f2, g2): (f64, f64, f64),
    (lo, hi): (f64, f64),
) -> f64 {
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (t1 - t2);
    let discriminant = d1 * d1 - g1 * g2;
    if discriminant >= 0.0 && t1 != t2 {
        let d2 = discriminant.sqrt() * (t2 - t1).signum();
        let t = t2 - (t2 - t1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2));
        if t.is_finite() {
            return t.clamp(lo, hi);
        }
    }
    0.5 * (lo + hi)
}
