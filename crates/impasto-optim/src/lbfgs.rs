//! Limited-memory BFGS.

use std::time::Instant;

use burn::tensor::Tensor;

use crate::line_search::{Search, Trials, armijo, strong_wolfe};
use crate::run::Run;
use crate::scalars::{Point, evaluate, read_scalars};
use crate::{
    History, LbfgsConfig, LineSearch, Minimizer, Objective, Observer, OptimError, Outcome,
    RecursionScalars, Termination, two_loop_direction, two_loop_direction_on_device,
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
/// vectors of x's size. Measured at 3×512×512 on flex (2-core CPU): 23 ms for the two-loop
/// with m = 10 and about 13 ms for the rest, about 1 % of one VGG evaluation at that size
/// (≈ 3.2 s).
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
/// `x0`: any `[D]` shape; see [`Minimizer`].
///
/// # Example
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Evaluation, Lbfgs, LbfgsConfig, Minimizer};
///
/// // A stretched bowl f(x) = Σ i·xᵢ², gradient 2 i xᵢ.
/// let device = Device::flex();
/// let weights = Tensor::<1>::from_floats([1.0, 10.0, 100.0], &device);
/// let mut bowl = |x: &Tensor<1>| {
///     let wx = weights.clone() * x.clone();
///     Evaluation::new((wx.clone() * x.clone()).sum(), wx * 2.0)
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

impl Minimizer for Lbfgs {
    fn minimize<const D: usize, O, B>(
        &self,
        objective: &mut O,
        x0: Tensor<D>,
        observer: &mut B,
    ) -> Result<Outcome<D>, OptimError>
    where
        O: Objective<D>,
        B: Observer,
    {
        let started = Instant::now();
        let config = &self.config;
        let max_evaluations = config.max_evaluations();
        let change_tolerance = config.change_tolerance();

        let (mut current, _) = evaluate(objective, x0.inner(), None)?;
        let mut run = Run::new(started, &current, observer);
        if !current.is_finite() {
            return Ok(run.finish(Termination::NonFiniteLoss));
        }
        if run.observe(&current, 0.0) {
            return Ok(run.finish(Termination::Stopped));
        }
        if current.gradient_max <= config.gradient_tolerance() {
            return Ok(run.finish(Termination::ConvergedGradient));
        }

        let mut history = History::new(config.history());
        loop {
            if run.iterations >= config.max_iterations() {
                return Ok(run.finish(Termination::MaxIterations));
            }
            if run.evaluations >= max_evaluations {
                return Ok(run.finish(Termination::MaxEvaluations));
            }

            let (direction, slope, direction_max) =
                descent_direction(&current, &mut history, config.recursion_scalars())?;
            if -slope <= change_tolerance {
                // torch's `gtd > -tolerance_change`: no decrease left to find along d.
                return Ok(run.finish(Termination::ConvergedChange));
            }
            let scale = match config.line_search() {
                LineSearch::None { .. } if run.iterations == 0 => {
                    let [l1] = read_scalars([current.gradient.clone().abs().sum()])?;
                    (1.0 / l1).min(1.0)
                }
                LineSearch::None { .. } => 1.0,
                _ if history.is_empty() => 1.0 / current.gradient_norm,
                _ => 1.0,
            };

            let search = match config.line_search() {
                LineSearch::None { learning_rate } => {
                    let step = learning_rate * scale;
                    let x = current.x.clone() + direction.clone().mul_scalar(step);
                    let (point, _) = evaluate(objective, x, None)?;
                    run.evaluations += 1;
                    if point.is_finite() {
                        run.best.offer(&point);
                        Search::Accepted {
                            step,
                            point: Box::new(point),
                            slope: f64::NAN,
                        }
                    } else {
                        Search::NonFinite
                    }
                }
                LineSearch::StrongWolfe { c1, c2 } => {
                    let mut trials = Trials {
                        objective: &mut *objective,
                        start: &current,
                        direction: &direction,
                        slope,
                        direction_max,
                        evaluations: &mut run.evaluations,
                        max_evaluations,
                        best: &mut run.best,
                    };
                    strong_wolfe(&mut trials, scale, (c1, c2), change_tolerance)?
                }
                LineSearch::Armijo { c1 } => {
                    let mut trials = Trials {
                        objective: &mut *objective,
                        start: &current,
                        direction: &direction,
                        slope,
                        direction_max,
                        evaluations: &mut run.evaluations,
                        max_evaluations,
                        best: &mut run.best,
                    };
                    armijo(&mut trials, scale, c1, change_tolerance)?
                }
            };

            let (step, point) = match search {
                Search::Accepted { step, point, .. } => (step, *point),
                Search::NonFinite => return Ok(run.finish(Termination::NonFiniteLoss)),
                Search::OutOfEvaluations => return Ok(run.finish(Termination::MaxEvaluations)),
                Search::Failed if !history.is_empty() => {
                    // Retry from the same point along steepest descent (L-BFGS-B's rule).
                    history.clear();
                    continue;
                }
                Search::Failed => return Ok(run.finish(Termination::LineSearchFailed)),
            };

            let s = direction.mul_scalar(step);
            let y = point.gradient.clone() - current.gradient.clone();
            history.push(s, y)?;
            let previous_loss = current.loss;
            current = point;
            run.iterations += 1;
            if run.observe(&current, step) {
                return Ok(run.finish(Termination::Stopped));
            }
            if current.gradient_max <= config.gradient_tolerance() {
                return Ok(run.finish(Termination::ConvergedGradient));
            }
            if step * direction_max <= change_tolerance
                || (current.loss - previous_loss).abs() < change_tolerance
            {
                return Ok(run.finish(Termination::ConvergedChange));
            }
        }
    }
}

/// d = −H g with gᵀd and max |d| (one read); falls back to d = −g, dropping the history,
/// when H g is not a descent direction.
fn descent_direction<const D: usize>(
    current: &Point<D>,
    history: &mut History<D>,
    scalars: RecursionScalars,
) -> Result<(Tensor<D>, f64, f64), OptimError> {
    loop {
        let z = match scalars {
            RecursionScalars::Host => two_loop_direction(&current.gradient, history)?,
            RecursionScalars::Device => two_loop_direction_on_device(&current.gradient, history),
        };
        let direction = z.neg();
        let slope = (current.gradient.clone() * direction.clone()).sum();
        let max = direction.clone().abs().max();
        let [slope, max] = read_scalars([slope, max])?;
        if (slope < 0.0 && max.is_finite()) || history.is_empty() {
            // With no history d = −g and gᵀd = −‖g‖² ≤ 0 already.
            return Ok((direction, slope, max));
        }
        history.clear();
    }
}
