//! Line searches: choose t in x + t·d, evaluating trial points through a shared budget.
//!
//! Both searches evaluate each trial t once and hand back the accepted trial's evaluation,
//! so the caller never re-evaluates the accepted point; every trial is offered to the
//! run's best-point record, so a failed search still leaves the best point seen.

mod armijo;
mod strong_wolfe;
#[cfg(test)]
mod tests;

pub(crate) use armijo::armijo;
pub(crate) use strong_wolfe::strong_wolfe;

use burn::tensor::{DType, Tensor};

use crate::scalars::{Best, Point, evaluate};
use crate::{Objective, OptimError};

/// The most trial points one line search evaluates (Nocedal & Wright suggest a small
/// bound; torch.optim.LBFGS uses 25, scipy's dcsrch 20).
pub(crate) const MAX_TRIALS: usize = 25;

/// How a line search ended.
#[derive(Debug)]
pub(crate) enum Search<const D: usize> {
    /// The step t, the trial point x + t·d with its evaluation, and its slope g(x + t d)ᵀd.
    Accepted {
        step: f64,
        // Boxed: a tensor handle is large, and the other variants are empty.
        point: Box<Point<D>>,
        // Read by the unit tests, which check the strong Wolfe conditions with it.
        #[cfg_attr(not(test), allow(dead_code))]
        slope: f64,
    },
    /// No acceptable step: d is not a descent direction, the interval shrank below what
    /// the arithmetic resolves, or [`MAX_TRIALS`] trials were spent.
    Failed,
    /// A trial's loss or gradient was not finite.
    NonFinite,
    /// The run's evaluation budget ran out during the search.
    OutOfEvaluations,
}

/// The trial points of one line search along x + t·d.
pub(crate) struct Trials<'a, const D: usize, O> {
    pub objective: &'a mut O,
    /// The start point x with f(x), g(x).
    pub start: &'a Point<D>,
    /// The direction d.
    pub direction: &'a Tensor<D>,
    /// g(x)ᵀd.
    pub slope: f64,
    /// max |dᵢ|, to tell when two steps no longer give different points.
    pub direction_max: f64,
    /// Evaluations made in the run so far; incremented per trial.
    pub evaluations: &'a mut usize,
    /// The run's evaluation limit.
    pub max_evaluations: usize,
    pub best: &'a mut Best<D>,
}

/// One evaluated trial.
pub(crate) enum Trial<const D: usize> {
    Done { point: Box<Point<D>>, slope: f64 },
    NonFinite,
    OutOfEvaluations,
}

impl<const D: usize, O: Objective<D>> Trials<'_, D, O> {
    /// Evaluates x + t·d (one evaluation of the budget).
    pub fn at(&mut self, t: f64) -> Result<Trial<D>, OptimError> {
        if *self.evaluations >= self.max_evaluations {
            return Ok(Trial::OutOfEvaluations);
        }
        let x = self.start.x.clone() + self.direction.clone().mul_scalar(t);
        let (point, slope) = evaluate(self.objective, x, Some(self.direction))?;
        *self.evaluations += 1;
        if !point.is_finite() || !slope.is_finite() {
            return Ok(Trial::NonFinite);
        }
        self.best.offer(&point);
        Ok(Trial::Done {
            point: Box::new(point),
            slope,
        })
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
