//! Backtracking until sufficient decrease (Armijo), with safeguarded quadratic
//! interpolation (Nocedal & Wright, section 3.5).

use super::{Accepted, Halt, MAX_TRIALS, Search, Trials};
use crate::Objective;

/// Finds t with f(x + t d) ≤ f(x) + c1·t·gᵀd, trying `initial` first.
///
/// After a rejected trial t the next one is the minimiser of the quadratic matching f(x),
/// gᵀd and f(x + t d), kept within [0.1 t, 0.5 t]: at least halving (so the search ends)
/// but never collapsing by more than ten in one trial. Fails without evaluating if
/// gᵀd ≥ 0.
pub(crate) fn armijo<const D: usize, O: Objective<D>>(
    trials: &mut Trials<'_, '_, D, O>,
    initial: f64,
    c1: f64,
    change_tolerance: f64,
) -> Search<D, O::Error> {
    let (f0, g0) = trials.descent(initial)?;
    let mut t = initial;
    for _ in 0..MAX_TRIALS {
        let (point, slope) = trials.at(t)?;
        if point.loss <= f0 + c1 * t * g0 {
            return Ok(Accepted::new(t, point, slope));
        }
        // The quadratic q(s) = f0 + g0 s + a s² through f(t) has a = (f − f0 − g0 t) / t² > 0
        // here (sufficient decrease failed), so its minimiser −g0 / 2a is positive.
        let curvature = (point.loss - f0 - g0 * t) / (t * t);
        let next = (-g0 / (2.0 * curvature)).clamp(0.1 * t, 0.5 * t);
        if trials.indistinct(0.0, next, change_tolerance) {
            return Err(Halt::Failed);
        }
        t = next;
    }
    Err(Halt::Failed)
}
