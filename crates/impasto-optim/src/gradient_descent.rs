//! Gradient descent with a fixed learning rate, the baseline L-BFGS is compared with.

use crate::config::{check_positive, stopping_settings};
use crate::run::{Context, Iterate, Method, Step, Stopping};
use crate::scalars::Point;
use crate::{Objective, OptimError};

/// Settings of [`GradientDescent`], valid by construction.
///
/// | setting | default | valid range |
/// |---|---|---|
/// | [`learning_rate`](Self::learning_rate) | 1e-3 | finite, > 0 |
/// | [`max_iterations`](Self::max_iterations) | 1000 | any (0 evaluates x₀ only) |
/// | [`gradient_tolerance`](Self::gradient_tolerance) | 1e-7 | finite, ≥ 0 |
/// | [`change_tolerance`](Self::change_tolerance) | 1e-9 | finite, ≥ 0 |
#[derive(Debug, Clone, PartialEq)]
pub struct GradientDescentConfig {
    learning_rate: f64,
    stopping: Stopping,
}

impl Default for GradientDescentConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            stopping: Stopping::defaults(1e-9),
        }
    }
}

impl GradientDescentConfig {
    /// The step t in x ← x − t·g. Default 1e-3, valid finite > 0.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    stopping_settings!("Converged when |f_{k+1} − f_k| < this. Default 1e-9, valid finite ≥ 0.");

    /// Sets the learning rate.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `rate` is finite and > 0.
    pub fn with_learning_rate(mut self, rate: f64) -> Result<Self, OptimError> {
        self.learning_rate = check_positive("learning_rate", rate)?;
        Ok(self)
    }
}

/// Gradient descent, x_{k+1} = x_k − t·g_k with a fixed t: one evaluation per iteration.
///
/// Ends on max |g| ≤ gradient tolerance, |Δf| < change tolerance, the iteration limit, or
/// a non-finite loss (x reverts to the best point seen). The loss is not forced down: too
/// large a rate diverges, and the outcome keeps the best point.
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
/// use impasto_optim::{Evaluation, GradientDescent, GradientDescentConfig, Minimizer};
///
/// // f(x) = ‖x‖², ∇f = 2x: with t = 0.25 each step halves x.
/// let mut f = |x: &Tensor<1>| {
///     Ok::<_, Infallible>(Evaluation::new(x.clone().powi_scalar(2).sum(), x.clone() * 2.0))
/// };
/// let gd = GradientDescent::new(GradientDescentConfig::default().with_learning_rate(0.25)?.with_max_iterations(3)?);
/// let outcome = gd.minimize(&mut f, Tensor::<1>::from_floats([8.0], &Device::flex()), &mut ())?;
/// assert_eq!(outcome.x.into_scalar::<f32>(), 1.0);
/// assert_eq!(outcome.evaluations, 4);
/// # Ok::<(), impasto_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GradientDescent {
    config: GradientDescentConfig,
}

impl GradientDescent {
    /// Gradient descent with these settings.
    pub fn new(config: GradientDescentConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &GradientDescentConfig {
        &self.config
    }
}

/// Gradient descent's whole state: its rate.
pub struct FixedRate(f64);

impl<const D: usize> Iterate<D> for FixedRate {
    fn iterate<O: Objective<D>>(&mut self, at: Context<'_, '_, D, O>) -> Step<D, O::Error> {
        let x = at.current.x.clone() - at.current.gradient.clone().mul_scalar(self.0);
        at.evaluator.step_to(x, self.0)
    }
}

impl Method for GradientDescent {
    type State<const D: usize> = FixedRate;

    fn start<const D: usize>(&self, _start: &Point<D>) -> FixedRate {
        FixedRate(self.config.learning_rate)
    }

    fn stopping(&self) -> Stopping {
        self.config.stopping
    }
}
