//! How a run ended: the best point and a typed reason.

use burn::tensor::Tensor;

/// Why a minimizer stopped. Never an error: every variant comes with a usable point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Termination {
    /// max |∇f| fell to the gradient tolerance.
    ConvergedGradient,
    /// Progress fell to the change tolerance: |f_{k+1} − f_k|, max |t·d_k|, or the
    /// directional derivative −∇fᵀd_k (L-BFGS) went below it.
    ConvergedChange,
    /// The iteration limit was reached.
    MaxIterations,
    /// The evaluation limit was reached (L-BFGS: checked after each iteration, and a line
    /// search stops when the budget is spent).
    MaxEvaluations,
    /// The line search found no acceptable step, even along steepest descent after its
    /// history was dropped; x reverts to the best point seen.
    LineSearchFailed,
    /// The objective returned a non-finite loss (or a gradient with a non-finite element);
    /// x reverts to the best point seen.
    NonFiniteLoss,
    /// The observer returned [`Control::Stop`](crate::Control::Stop).
    Stopped,
}

impl Termination {
    /// Whether the run reached one of its tolerances.
    pub fn converged(self) -> bool {
        matches!(
            self,
            Termination::ConvergedGradient | Termination::ConvergedChange
        )
    }
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::ConvergedGradient => "converged (gradient tolerance)",
            Termination::ConvergedChange => "converged (change tolerance)",
            Termination::MaxIterations => "maximum iterations reached",
            Termination::MaxEvaluations => "maximum evaluations reached",
            Termination::LineSearchFailed => "line search failed",
            Termination::NonFiniteLoss => "non-finite loss",
            Termination::Stopped => "stopped by the observer",
        })
    }
}

/// The result of [`Minimizer::minimize`](crate::Minimizer::minimize).
///
/// # Shapes
///
/// `x`: the start point's shape.
#[derive(Debug, Clone)]
pub struct Outcome<const D: usize> {
    /// The point with the lowest loss seen (every evaluated point counts, line-search
    /// trials included); with monotone L-BFGS runs this is the last iterate.
    pub x: Tensor<D>,
    /// f(x). Not finite only when the start point's loss was not finite.
    pub loss: f64,
    /// Iterations completed.
    pub iterations: usize,
    /// Objective evaluations made, the initial one included.
    pub evaluations: usize,
    /// Why the run ended.
    pub termination: Termination,
}
