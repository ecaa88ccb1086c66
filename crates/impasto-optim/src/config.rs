//! The settings of [`Lbfgs`](crate::Lbfgs), validated when set.

use crate::run::Stopping;
use crate::{OptimError, RecursionScalars};

/// The getters and validated setters of the stopping rules every config holds (a
/// [`Stopping`] field named `stopping`), written once for the three configs. The argument
/// documents the change tolerance, which each minimizer applies its own way.
macro_rules! stopping_settings {
    ($change_tolerance:literal) => {
        /// Iterations before [`Termination::MaxIterations`](crate::Termination::MaxIterations).
        /// Default 1000, any value (0 only evaluates the start point).
        pub fn max_iterations(&self) -> usize {
            self.stopping.max_iterations
        }

        /// Converged when max |∇f| ≤ this. Default 1e-7, valid finite ≥ 0 (0: only an
        /// exactly zero gradient).
        pub fn gradient_tolerance(&self) -> f64 {
            self.stopping.gradient_tolerance
        }

        #[doc = $change_tolerance]
        pub fn change_tolerance(&self) -> f64 {
            self.stopping.change_tolerance
        }

        /// Sets the iteration limit. Every value is valid; the `Result` keeps the setters
        /// alike.
        ///
        /// # Errors
        ///
        /// Never.
        pub fn with_max_iterations(mut self, n: usize) -> Result<Self, crate::OptimError> {
            self.stopping.max_iterations = n;
            Ok(self)
        }

        /// Sets the gradient tolerance.
        ///
        /// # Errors
        ///
        /// [`OptimError::InvalidConfig`](crate::OptimError::InvalidConfig) unless
        /// `tolerance` is finite and ≥ 0.
        pub fn with_gradient_tolerance(
            mut self,
            tolerance: f64,
        ) -> Result<Self, crate::OptimError> {
            self.stopping.gradient_tolerance =
                crate::config::check_tolerance("gradient_tolerance", tolerance)?;
            Ok(self)
        }

        /// Sets the change tolerance.
        ///
        /// # Errors
        ///
        /// [`OptimError::InvalidConfig`](crate::OptimError::InvalidConfig) unless
        /// `tolerance` is finite and ≥ 0.
        pub fn with_change_tolerance(mut self, tolerance: f64) -> Result<Self, crate::OptimError> {
            self.stopping.change_tolerance =
                crate::config::check_tolerance("change_tolerance", tolerance)?;
            Ok(self)
        }
    };
}
pub(crate) use stopping_settings;

/// How L-BFGS chooses the step length t along its direction d.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineSearch {
    /// No line search: a fixed step, exactly as torch.optim.LBFGS with
    /// `line_search_fn=None`: t = `learning_rate`·min(1, 1/‖g‖₁) on the first iteration
    /// (which has no curvature information yet), then t = `learning_rate`. One
    /// evaluation per iteration; the loss may go up. (torch skips the evaluation after its
    /// last iteration; here it is made, so that the outcome's loss is known.)
    ///
    /// `learning_rate`: valid range finite and > 0; torch's default is 1.
    None {
        /// The step length t.
        learning_rate: f64,
    },
    /// Strong Wolfe conditions by bracketing then zoom with cubic interpolation (Nocedal &
    /// Wright, Algorithms 3.5 and 3.6):
    /// f(x + t d) ≤ f(x) + c1·t·gᵀd and |g(x + t d)ᵀd| ≤ c2·|gᵀd|.
    ///
    /// Valid range 0 < c1 < c2 < 1; the default is c1 = 1e-4, c2 = 0.9 (Nocedal & Wright's
    /// values for quasi-Newton methods).
    StrongWolfe {
        /// Sufficient-decrease constant.
        c1: f64,
        /// Curvature constant.
        c2: f64,
    },
    /// Backtracking until the Armijo (sufficient decrease) condition
    /// f(x + t d) ≤ f(x) + c1·t·gᵀd holds, each new t from the minimiser of the quadratic
    /// through f(x), gᵀd and the last trial, kept within [0.1 t, 0.5 t] (Nocedal & Wright,
    /// section 3.5).
    ///
    /// Valid range 0 < c1 < 1; the usual value is 1e-4.
    Armijo {
        /// Sufficient-decrease constant.
        c1: f64,
    },
}

impl Default for LineSearch {
    /// `StrongWolfe { c1: 1e-4, c2: 0.9 }`.
    fn default() -> Self {
        LineSearch::StrongWolfe { c1: 1e-4, c2: 0.9 }
    }
}

impl LineSearch {
    /// Checks the parameters against the ranges documented on each variant.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<(), OptimError> {
        match *self {
            LineSearch::None { learning_rate } => {
                check_positive("learning_rate", learning_rate)?;
            }
            LineSearch::StrongWolfe { c1, c2 } => {
                if !(c1 > 0.0 && c1 < 1.0) {
                    return Err(OptimError::invalid("c1", c1, "0 < c1 < c2 < 1"));
                }
                if !(c2 > c1 && c2 < 1.0) {
                    return Err(OptimError::invalid("c2", c2, "0 < c1 < c2 < 1"));
                }
            }
            LineSearch::Armijo { c1 } => {
                if !(c1 > 0.0 && c1 < 1.0) {
                    return Err(OptimError::invalid("c1", c1, "0 < c1 < 1"));
                }
            }
        }
        Ok(())
    }
}

/// Settings of [`Lbfgs`](crate::Lbfgs). Built from [`Default`] and the validating `with_*`
/// setters, so a config that exists is valid.
///
/// | setting | default | valid range |
/// |---|---|---|
/// | [`history`](Self::history) m | 10 | 1 ..= 1000 |
/// | [`line_search`](Self::line_search) | strong Wolfe, c1 = 1e-4, c2 = 0.9 | see [`LineSearch`] |
/// | [`max_iterations`](Self::max_iterations) | 1000 | any (0 evaluates x₀ only) |
/// | [`max_evaluations`](Self::max_evaluations) | max(⌊1.25 N⌋, N + 10) for N = max_iterations | ≥ 1 |
/// | [`gradient_tolerance`](Self::gradient_tolerance) | 1e-7 (torch's) | finite, ≥ 0 |
/// | [`change_tolerance`](Self::change_tolerance) | 1e-9 (torch's) | finite, ≥ 0 |
/// | [`recursion_scalars`](Self::recursion_scalars) | host | see [`RecursionScalars`] |
///
/// **Why m = 10.** One pair is two vectors of the image's size: 2 × 12 MB at 1024 px
/// (3 × 1024² f32), 2 × 3 MB at 512 px. Ten pairs are 252 MB at 1024 px, about a tenth of
/// the evaluation's own peak (2.4 GB of VGG activations, docs/optim.md), where torch's default
/// of 100 would be 2.5 GB, doubling it. For convergence, Nocedal & Wright (section 7.2)
/// report that 3 to 20 pairs usually suffice, scipy's L-BFGS-B uses 10, and the two-loop
/// costs 4m vector passes per iteration, so more pairs also cost time.
///
/// # Example
///
/// ```
/// use impasto_optim::{LbfgsConfig, LineSearch};
///
/// let config = LbfgsConfig::default()
///     .with_history(5)?
///     .with_line_search(LineSearch::None { learning_rate: 1.0 })?
///     .with_max_iterations(500)?;
/// assert_eq!(config.max_evaluations(), 625);
/// assert!(LbfgsConfig::default().with_history(0).is_err());
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsConfig {
    history: usize,
    line_search: LineSearch,
    stopping: Stopping,
    max_evaluations: Option<usize>,
    recursion_scalars: RecursionScalars,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        Self {
            history: 10,
            line_search: LineSearch::default(),
            stopping: Stopping::defaults(1e-9),
            max_evaluations: None,
            recursion_scalars: RecursionScalars::Host,
        }
    }
}

/// The largest history accepted: beyond it memory, not convergence, is what changes.
const MAX_HISTORY: usize = 1000;

impl LbfgsConfig {
    stopping_settings!(
        "Converged when |f_{k+1} − f_k|, max |t·d| or −gᵀd falls below this. Default 1e-9, \
         valid finite ≥ 0."
    );

    /// m, the number of (s, y) pairs kept. Default 10, valid 1 ..= 1000.
    pub fn history(&self) -> usize {
        self.history
    }

    /// The step rule. Default `StrongWolfe { c1: 1e-4, c2: 0.9 }`.
    pub fn line_search(&self) -> LineSearch {
        self.line_search
    }

    /// Evaluations before [`Termination::MaxEvaluations`](crate::Termination::MaxEvaluations),
    /// the initial one included; valid ≥ 1. Unless set, it follows the iteration limit N:
    /// max(⌊1.25 N⌋, N + 10), torch.optim.LBFGS's ⌊1.25 N⌋ with room for the first line
    /// searches (with no curvature known yet they take 2–3 evaluations each), so that
    /// short runs do their N iterations.
    pub fn max_evaluations(&self) -> usize {
        self.max_evaluations.unwrap_or_else(|| {
            let n = self.stopping.max_iterations;
            n.saturating_add(n / 4).max(n.saturating_add(10))
        })
    }

    /// The evaluation limit as set with [`with_max_evaluations`](Self::with_max_evaluations);
    /// `None` while it follows `max_iterations` (the default).
    pub fn max_evaluations_setting(&self) -> Option<usize> {
        self.max_evaluations
    }

    /// The iteration limit and tolerances, for the run loop.
    pub(crate) fn stopping(&self) -> Stopping {
        self.stopping
    }

    /// Where the two-loop recursion keeps α_i and β_i. Default
    /// [`RecursionScalars::Host`]; both give the same directions up to rounding.
    pub fn recursion_scalars(&self) -> RecursionScalars {
        self.recursion_scalars
    }

    /// Sets m. See [`history`](Self::history).
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless 1 ≤ `m` ≤ 1000.
    pub fn with_history(mut self, m: usize) -> Result<Self, OptimError> {
        if !(1..=MAX_HISTORY).contains(&m) {
            return Err(OptimError::invalid("history", m, "1 ..= 1000"));
        }
        self.history = m;
        Ok(self)
    }

    /// Sets the line search. See [`LineSearch`].
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] if [`LineSearch::validate`] rejects it.
    pub fn with_line_search(mut self, line_search: LineSearch) -> Result<Self, OptimError> {
        line_search.validate()?;
        self.line_search = line_search;
        Ok(self)
    }

    /// Sets the evaluation limit (the initial evaluation included).
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] if `n` is 0.
    pub fn with_max_evaluations(mut self, n: usize) -> Result<Self, OptimError> {
        if n == 0 {
            return Err(OptimError::invalid("max_evaluations", n, "at least 1"));
        }
        self.max_evaluations = Some(n);
        Ok(self)
    }

    /// Sets where the recursion's scalars live. Both values are valid; the `Result` keeps
    /// the setters alike.
    ///
    /// # Errors
    ///
    /// Never.
    pub fn with_recursion_scalars(mut self, scalars: RecursionScalars) -> Result<Self, OptimError> {
        self.recursion_scalars = scalars;
        Ok(self)
    }
}

/// `value` if it is finite and > 0 (learning rates, ε), else the error naming `parameter`.
pub(crate) fn check_positive(parameter: &'static str, value: f64) -> Result<f64, OptimError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(OptimError::invalid(parameter, value, "a finite number > 0"))
    }
}

/// `value` if it is finite and ≥ 0 (tolerances), else the error naming `parameter`.
pub(crate) fn check_tolerance(parameter: &'static str, value: f64) -> Result<f64, OptimError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(OptimError::invalid(parameter, value, "a finite number ≥ 0"))
    }
}
