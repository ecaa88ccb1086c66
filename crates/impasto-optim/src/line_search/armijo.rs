//! Backtracking until sufficient decrease (Armijo), with safeguarded quadratic
//! interpolation (Nocedal & Wright, section 3.5).

use super::{MAX_TRIALS, Search, Trial, Trials};
use crate::{Objective, OptimError};

/// Finds t with f(x + t d) ≤ f(x) + c1·t·gᵀd, trying `initial` first.
///
/// After a rejected trial t the next one is the minimiser of the quadratic matching f(x),
/// gᵀd and f(x + t d), kept within [0.1 t, 0.5 t]: at least halving (so the search ends)
/// but never collapsing by more than ten in one trial. Fails without evaluating if
/// gᵀd ≥ 0.
pub(crate) fn armijo<const D: usize, O: Objective<D>>(
    trials: &mut Trials<'_, D, O>,
    initial: f64,
    c1: f64,
    change_tolerance: f64,
) -> Result<Search<D>, OptimError> {
    let (f0, g0) = (trials.start.loss, trials.slope);
    // Written so that a NaN slope or step also fails.
    let (descent, positive) = (g0 < 0.0, initial > 0.0);
    if !descent || !positive {
        return Ok(Search::Failed);
    }
    let mut t = initial;
    for _ in 0..MAX_TRIALS {
        let (point, slope) = match trials.at(t)? {
            Trial::Done { point, slope } => (point, slope),
            Trial::NonFinite => return Ok(Search::NonFinite),
            Trial::OutOfEvaluations => return Ok(Search::OutOfEvaluations),
        };
        if point.loss <= f0 + c1 * t * g0 {
            return Ok(Search::Accepted {
                step: t,
                point,
                slope,
            });
        }
        // The quadratic q(s) = f0 + g0 s + a s² through f(t) has a = (f − f0 − g0 t) / t² > 0
        // here (sufficient decrease failed), so its minimiser −g0 / 2a is positive.
        let curvature = (point.loss - f0 - g0 * t) / (t * t);
        let next = (-g0 / (2.0 * curvature)).clamp(0.1 * t, 0.5 * t);
        if trials.indistinct(0.0, next, change_tolerance) {
            return Ok(Search::Failed);
        }
        t = next;
    }
    Ok(Search::Failed)
}
