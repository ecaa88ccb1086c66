//! The strong Wolfe line search: bracketing, then zoom (Nocedal & Wright, Algorithms 3.5
//! and 3.6), with cubic interpolation for every new trial.

use super::{Accepted, Halt, MAX_TRIALS, Search, Trials, cubic_minimizer};
use crate::Objective;

/// A trial already evaluated: (t, f(x + t d), g(x + t d)ᵀd).
type Known = (f64, f64, f64);

/// Finds t with f(x + t d) ≤ f(x) + c1·t·gᵀd and |g(x + t d)ᵀd| ≤ c2·|gᵀd|, starting at
/// `initial`.
///
/// Bracketing (Algorithm 3.5): while a trial has sufficient decrease, a lower value than
/// the previous trial and a negative slope, the next t extrapolates by the cubic through
/// the last two trials, kept within [t + 0.01 Δ, 10 t] (Δ = t − t_prev > 0): always beyond
/// the current trial, and at most ten times its step. Once an interval must contain an
/// acceptable t, zoom (Algorithm 3.6) shrinks it, each trial at the cubic's minimiser kept
/// inside the interval's middle 80 %, so no t is evaluated twice and every trial shrinks
/// it.
///
/// Fails without evaluating if gᵀd ≥ 0 (not a descent direction).
pub(crate) fn strong_wolfe<const D: usize, O: Objective<D>>(
    trials: &mut Trials<'_, '_, D, O>,
    initial: f64,
    (c1, c2): (f64, f64),
    change_tolerance: f64,
) -> Search<D, O::Error> {
    let (f0, g0) = trials.descent(initial)?;
    let sufficient = |t: f64, f: f64| f <= f0 + c1 * t * g0;
    let curvature = |g: f64| g.abs() <= -c2 * g0;

    let mut previous: Known = (0.0, f0, g0);
    let mut t = initial;
    let mut used = 0;
    while used < MAX_TRIALS {
        used += 1;
        let (point, slope) = trials.at(t)?;
        let current: Known = (t, point.loss, slope);
        if !sufficient(t, point.loss) || (used > 1 && point.loss >= previous.1) {
            return zoom(trials, previous, current, used, (c1, c2), change_tolerance);
        }
        if curvature(slope) {
            return Ok(Accepted::new(t, point, slope));
        }
        if slope >= 0.0 {
            return zoom(trials, current, previous, used, (c1, c2), change_tolerance);
        }
        let delta = t - previous.0;
        let next = cubic_minimizer(previous, current, (t + 0.01 * delta, 10.0 * t));
        previous = current;
        t = next;
    }
    Err(Halt::Failed)
}

/// Algorithm 3.6: `lo` has sufficient decrease and the lowest f of the trials so far;
/// an acceptable step lies between `lo` and `hi`.
fn zoom<const D: usize, O: Objective<D>>(
    trials: &mut Trials<'_, '_, D, O>,
    mut lo: Known,
    mut hi: Known,
    mut used: usize,
    (c1, c2): (f64, f64),
    change_tolerance: f64,
) -> Search<D, O::Error> {
    let (f0, g0) = (trials.start.loss, trials.slope);
    while used < MAX_TRIALS {
        if trials.indistinct(lo.0, hi.0, change_tolerance) {
            return Err(Halt::Failed);
        }
        used += 1;
        let (left, right) = (lo.0.min(hi.0), lo.0.max(hi.0));
        let margin = 0.1 * (right - left);
        let t = cubic_minimizer(lo, hi, (left + margin, right - margin));
        let (point, slope) = trials.at(t)?;
        let current: Known = (t, point.loss, slope);
        // Algorithm 3.6 compares f(t) with f(lo); where the two are equal up to rounding
        // (near the minimum along d, in f32 especially) the slope decides instead: if it
        // points back to lo, the minimum lies between lo and t.
        let higher = if trials.same_loss(point.loss, lo.1) {
            slope * (t - lo.0) >= 0.0
        } else {
            point.loss >= lo.1
        };
        if point.loss > f0 + c1 * t * g0 || higher {
            hi = current;
        } else {
            if slope.abs() <= -c2 * g0 {
                return Ok(Accepted::new(t, point, slope));
            }
            if slope * (hi.0 - lo.0) >= 0.0 {
                hi = lo;
            }
            lo = current;
        }
    }
    Err(Halt::Failed)
}
