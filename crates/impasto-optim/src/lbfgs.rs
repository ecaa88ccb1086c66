//! Limited-memory BFGS.

use burn::tensor::Tensor;

use crate::line_search::{Accepted, Halt, Trials, armijo, strong_wolfe};
use crate::run::{Context, Iterate, Iteration, Method, Step, Stopping};
use crate::scalars::{Point, read_scalars};
use crate::{
    Bounds, History, LbfgsConfig, LineSearch, Objective, OptimError, RecursionScalars, Termination,
    two_loop_direction, two_loop_direction_on_device,
};

/// L-BFGS, written from the recursion (Nocedal 1980), with a fixed step, strong Wolfe or
/// Armijo line search.
///
/// # Algorithm
///
/// Minimise f(x) with g_k = ∇f(x_k). Each iteration:
///
/// 1. Direction d_k = −z, z = H_k g_k from the two-loop recursion
///    ([`two_loop_direction`], Nocedal & Wright Algorithm 7.4) over the last m pairs
///    s_i = x_{i+1} − x_i, y_i = g_{i+1} − g_i, ρ_i = 1/(y_iᵀ s_i):
///
///    ```text
///    q = g_k
///    for i = k−1 … k−m:   α_i = ρ_i s_iᵀ q ;  q = q − α_i y_i
///    γ_k = s_{k−1}ᵀ y_{k−1} / y_{k−1}ᵀ y_{k−1} ;  H_k⁰ = γ_k I ;  z = H_k⁰ q
///    for i = k−m … k−1:   β_i = ρ_i y_iᵀ z ;  z = z + s_i (α_i − β_i)
///    ```
///
///    If g_kᵀd_k ≥ 0 (rounding can make H_k g_k useless) the history is dropped and
///    d_k = −g_k.
/// 2. Step x_{k+1} = x_k + t d_k by the configured [`LineSearch`]: a fixed step
///    (`learning_rate`·min(1, 1/‖g‖₁) on the first iteration, then `learning_rate`, as
///    torch.optim.LBFGS does), strong Wolfe (Nocedal & Wright Algorithms 3.5/3.6) or
///    Armijo backtracking. With a line search the first trial is t = 1, the quasi-Newton
///    step, or 1/‖g‖₂ while the history is empty (a first step of length 1, as scipy's
///    L-BFGS-B takes). The accepted trial's gradient is reused: no point is evaluated
///    twice.
/// 3. Store (s_k, y_k) only if y_kᵀs_k > 1e-10 (the curvature condition, which keeps H_k
///    positive definite); past m pairs the oldest is dropped.
///
/// A failed line search drops the history and retries once along −g_k (as L-BFGS-B does);
/// a second failure ends the run.
///
/// # Termination
///
/// After each iteration: max |g| ≤ gradient tolerance → [`Termination::ConvergedGradient`];
/// |f_{k+1} − f_k|, max |t·d_k| or −g_kᵀd_k below the change tolerance →
/// [`Termination::ConvergedChange`]; then the iteration and evaluation limits. A line
/// search that fails along −g gives [`Termination::LineSearchFailed`]; a non-finite loss
/// or gradient anywhere gives [`Termination::NonFiniteLoss`]; in both x reverts to the best
/// point seen. With a fixed step these tests and their order are torch.optim.LBFGS's.
///
/// # Cost
///
/// Per iteration: the evaluations, 4m + 8 vector passes (the two-loop's m dot products and
/// m updates each way, the pair's two dot products, the reductions of the gradient) and a
/// few device synchronisations: one per evaluation (f, ‖g‖, max |g|, gᵀd together), one
/// for the direction (gᵀd, max |d|), one for the pair (yᵀs, yᵀy), plus the two-loop's own
/// 2m reads unless [`RecursionScalars::Device`] keeps them on the device. Memory: 2m + 5
/// vectors of x's size; measured in docs/benchmarks.md (L-BFGS's own work per iteration,
/// about 1 % of one VGG evaluation).
///
/// # References
///
/// - J. Nocedal, "Updating quasi-Newton matrices with limited storage", Mathematics of
///   Computation 35 (151), 773–782, 1980.
/// - J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006:
///   Algorithm 3.5 (line search), 3.6 (zoom), 7.4 (L-BFGS two-loop recursion).
///
/// # Shapes
///
/// `x0`: any `[D]` shape; see [`Minimizer`](crate::Minimizer).
///
/// # Example
///
/// ```
/// use std::convert::Infallible;
///
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Evaluation, Lbfgs, LbfgsConfig, Minimizer};
///
/// // A stretched bowl f(x) = Σ i·xᵢ², gradient 2 i xᵢ.
/// let device = Device::flex();
/// let weights = Tensor::<1>::from_floats([1.0, 10.0, 100.0], &device);
/// let mut bowl = |x: &Tensor<1>| {
///     let wx = weights.clone() * x.clone();
///     Ok::<_, Infallible>(Evaluation::new((wx.clone() * x.clone()).sum(), wx * 2.0))
/// };
/// let lbfgs = Lbfgs::new(LbfgsConfig::default().with_gradient_tolerance(1e-4)?);
/// let x0 = Tensor::<1>::from_floats([1.0, 1.0, 1.0], &device);
/// let outcome = lbfgs.minimize(&mut bowl, x0, &mut ())?;
/// assert!(outcome.termination.converged());
/// assert!(outcome.loss < 1e-8);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lbfgs {
    config: LbfgsConfig,
}

impl Lbfgs {
    /// L-BFGS with these settings (already valid: [`LbfgsConfig`]'s setters check them).
    pub fn new(config: LbfgsConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &LbfgsConfig {
        &self.config
    }
}

/// L-BFGS's state: its settings and the curvature pairs.
pub struct LbfgsRun<const D: usize> {
    config: LbfgsConfig,
    history: History<D>,
}

impl<const D: usize> Iterate<D> for LbfgsRun<D> {
    fn limit(&self, evaluations: usize) -> Option<Termination> {
        (evaluations >= self.config.max_evaluations()).then_some(Termination::MaxEvaluations)
    }

    fn iterate<O: Objective<D>>(&mut self, at: Context<'_, '_, D, O>) -> Step<D, O::Error> {
        let Context {
            evaluator,
            current,
            iteration,
        } = at;
        let config = &self.config;
        let change_tolerance = config.change_tolerance();
        let bounds = evaluator.bounds().clone();
        let Direction {
            direction,
            slope,
            max: direction_max,
            norm,
        } = descent_direction(
            current,
            &bounds,
            &mut self.history,
            config.recursion_scalars(),
        )?;
        if -slope <= change_tolerance {
            // torch's `gtd > -tolerance_change`: no decrease left to find along d.
            return Ok(Iteration::Ended(Termination::ConvergedChange));
        }
        // With a line search the first trial is the quasi-Newton step t = 1, or, while the
        // history is empty, scipy's L-BFGS-B's first step: of length 1 (1/‖g‖₂), or under
        // bounds along d = P(x − g) − x the whole of d where every variable has two finite
        // bounds, min(1, 1/‖d‖₂) otherwise.
        let first_trial = match (self.history.is_empty(), norm) {
            (false, _) => 1.0,
            (true, Some(_)) if bounds.boxed() => 1.0,
            (true, Some(norm)) => (1.0 / norm).min(1.0),
            (true, None) => 1.0 / current.gradient_norm,
        };
        let mut trials = Trials {
            evaluator,
            start: current,
            direction: &direction,
            slope,
            direction_max,
            max_evaluations: config.max_evaluations(),
        };
        let search = match config.line_search() {
            LineSearch::None { learning_rate } => {
                // torch scales its first step by min(1, 1/‖g‖₁): no curvature is known yet.
                let scale = if iteration == 0 {
                    let [l1] = read_scalars([current.gradient.clone().abs().sum()])?;
                    (1.0 / l1).min(1.0)
                } else {
                    1.0
                };
                trials.fixed(learning_rate * scale)
            }
            LineSearch::StrongWolfe { c1, c2 } => {
                strong_wolfe(&mut trials, first_trial, (c1, c2), change_tolerance)
            }
            LineSearch::Armijo { c1 } => armijo(&mut trials, first_trial, c1, change_tolerance),
        };
        let Accepted { step, point, .. } = match search {
            Ok(accepted) => accepted,
            Err(Halt::Error(error)) => return Err(error),
            Err(Halt::NonFinite) => return Ok(Iteration::Ended(Termination::NonFiniteLoss)),
            Err(Halt::OutOfEvaluations) => {
                return Ok(Iteration::Ended(Termination::MaxEvaluations));
            }
            Err(Halt::Failed) if !self.history.is_empty() => {
                // Retry from the same point along steepest descent (L-BFGS-B's rule).
                self.history.clear();
                return Ok(Iteration::Retry);
            }
            Err(Halt::Failed) => return Ok(Iteration::Ended(Termination::LineSearchFailed)),
        };
        // Under bounds the step is what the projection made of t·d.
        let s = if bounds.is_none() {
            direction.mul_scalar(step)
        } else {
            point.x.clone() - current.x.clone()
        };
        let y = point.gradient.clone() - current.gradient.clone();
        self.history.push(s, y).map_err(OptimError::widen)?;
        Ok(Iteration::Moved {
            point: *point,
            step,
            settled: step * direction_max <= change_tolerance,
        })
    }
}

impl Method for Lbfgs {
    type State<const D: usize> = LbfgsRun<D>;

    fn start<const D: usize>(&self, _start: &Point<D>) -> LbfgsRun<D> {
        LbfgsRun {
            config: self.config.clone(),
            history: History::new(self.config.history()),
        }
    }

    fn stopping(&self) -> Stopping {
        self.config.stopping()
    }
}

/// A search direction d with what the line search needs of it.
struct Direction<const D: usize> {
    direction: Tensor<D>,
    /// gᵀd.
    slope: f64,
    /// max |dᵢ|.
    max: f64,
    /// ‖d‖₂, where it was read (the bounded first direction).
    norm: Option<f64>,
}

/// d = −H g with gᵀd and max |d| (one read); falls back to d = −g, dropping the history,
/// when H g is not a descent direction.
///
/// Under bounds, the variables held at a bound (the gradient pushes them outward) are left
/// out: d = −Z H Z g with Z zeroing them, and then d's elements that point out of the box
/// from a bound are zeroed too, so that d is the path's own direction at t = 0⁺ and gᵀd is
/// its slope (Kim, Sra & Dhillon 2010; Bertsekas 1982). The fallback is −Z g, which points
/// into the box wherever a variable at a bound may move.
fn descent_direction<const D: usize, E>(
    current: &Point<D>,
    bounds: &Bounds<D>,
    history: &mut History<D>,
    scalars: RecursionScalars,
) -> Result<Direction<D>, OptimError<E>> {
    // The variables held at a bound, and Z g, the gradient of the others.
    // The bound masks of x, once; the held variables are those −g points out of the box.
    let faces = bounds.faces(&current.x);
    let held = faces.outward(&current.gradient.clone().neg());
    let free_gradient = match &held {
        None => current.gradient.clone(),
        Some(held) => current.gradient.clone().mask_fill(held.clone(), 0.0),
    };
    loop {
        if !bounds.is_none() && history.is_empty() {
            // No curvature known: L-BFGS-B's first direction, the Cauchy point of the
            // model with B = I, P(x − g) − x (Byrd et al. 1995, section 4, with θ = 1):
            // −g where the box allows a unit step, cut at the bounds elsewhere.
            let direction = bounds.projected_gradient(&current.x, &current.gradient);
            let slope = (current.gradient.clone() * direction.clone()).sum();
            let max = direction.clone().abs().max();
            let squared = (direction.clone() * direction.clone()).sum();
            let [slope, max, squared] = read_scalars([slope, max, squared])?;
            return Ok(Direction {
                direction,
                slope,
                max,
                norm: Some(squared.sqrt()),
            });
        }
        // Under bounds the recursion runs on the pairs restricted to the free variables.
        let restricted = match &held {
            Some(held) => Some(history.restricted(held).map_err(OptimError::widen)?),
            None => None,
        };
        let pairs = restricted.as_ref().unwrap_or(history);
        let z = match scalars {
            RecursionScalars::Host => {
                two_loop_direction(&free_gradient, pairs).map_err(OptimError::widen)?
            }
            RecursionScalars::Device => two_loop_direction_on_device(&free_gradient, pairs),
        };
        // Z H_Z Z g: the held variables zeroed (the recursion's whole s put values there);
        // then nothing may leave the box at once.
        let direction = match &held {
            Some(held) => faces.hold_outward(z.neg().mask_fill(held.clone(), 0.0)),
            None => z.neg(),
        };
        let slope = (current.gradient.clone() * direction.clone()).sum();
        let max = direction.clone().abs().max();
        let [slope, max] = read_scalars([slope, max])?;
        if (slope < 0.0 && max.is_finite()) || history.is_empty() {
            // With no history d = −g and gᵀd = −‖g‖² ≤ 0 already.
            return Ok(Direction {
                direction,
                slope,
                max,
                norm: None,
            });
        }
        history.clear();
    }
}
