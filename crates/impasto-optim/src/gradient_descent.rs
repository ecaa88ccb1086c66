//! Gradient descent with a fixed learning rate, the baseline L-BFGS is compared with.

use std::time::Instant;

use burn::tensor::Tensor;

use crate::config::{check_positive, check_tolerance};
use crate::run::Run;
use crate::scalars::evaluate;
use crate::{Minimizer, Objective, Observer, OptimError, Outcome, Termination};

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
    max_iterations: usize,
    gradient_tolerance: f64,
    change_tolerance: f64,
}

impl Default for GradientDescentConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            max_iterations: 1000,
            gradient_tolerance: 1e-7,
            change_tolerance: 1e-9,
        }
    }
}

impl GradientDescentConfig {
    /// The step t in x ← x − t·g. Default 1e-3, valid finite > 0.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// Iteration limit (one evaluation each). Default 1000.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }

    /// Converged when max |g| ≤ this. Default 1e-7, valid finite ≥ 0.
    pub fn gradient_tolerance(&self) -> f64 {
        self.gradient_tolerance
    }

    /// Converged when |f_{k+1} − f_k| < this. Default 1e-9, valid finite ≥ 0.
    pub fn change_tolerance(&self) -> f64 {
        self.change_tolerance
    }

    /// Sets the learning rate.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `rate` is finite and > 0.
    pub fn with_learning_rate(mut self, rate: f64) -> Result<Self, OptimError> {
        self.learning_rate = check_positive("learning_rate", rate)?;
        Ok(self)
    }

    /// Sets the iteration limit.
    ///
    /// # Errors
    ///
    /// Never; the `Result` keeps the setters alike.
    pub fn with_max_iterations(mut self, n: usize) -> Result<Self, OptimError> {
        self.max_iterations = n;
        Ok(self)
    }

    /// Sets the gradient tolerance.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `tolerance` is finite and ≥ 0.
    pub fn with_gradient_tolerance(mut self, tolerance: f64) -> Result<Self, OptimError> {
        self.gradient_tolerance = check_tolerance("gradient_tolerance", tolerance)?;
        Ok(self)
    }

    /// Sets the change tolerance.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `tolerance` is finite and ≥ 0.
    pub fn with_change_tolerance(mut self, tolerance: f64) -> Result<Self, OptimError> {
        self.change_tolerance = check_tolerance("change_tolerance", tolerance)?;
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
/// `x0`: any `[D]` shape; see [`Minimizer`].
///
/// # Example
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_optim::{Evaluation, GradientDescent, GradientDescentConfig, Minimizer};
///
/// // f(x) = ‖x‖², ∇f = 2x: with t = 0.25 each step halves x.
/// let mut f = |x: &Tensor<1>| Evaluation::new(x.clone().powi_scalar(2).sum(), x.clone() * 2.0);
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

impl Minimizer for GradientDescent {
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
        let rate = config.learning_rate;
        let (mut current, _) = evaluate(objective, x0.inner(), None)?;
        let mut run = Run::new(started, &current, observer);
        if !current.is_finite() {
            return Ok(run.finish(Termination::NonFiniteLoss));
        }
        if run.observe(&current, 0.0) {
            return Ok(run.finish(Termination::Stopped));
        }
        if current.gradient_max <= config.gradient_tolerance {
            return Ok(run.finish(Termination::ConvergedGradient));
        }
        loop {
            if run.iterations >= config.max_iterations {
                return Ok(run.finish(Termination::MaxIterations));
            }
            let x = current.x.clone() - current.gradient.clone().mul_scalar(rate);
            let (point, _) = evaluate(objective, x, None)?;
            run.evaluations += 1;
            run.iterations += 1;
            if !point.is_finite() {
                return Ok(run.finish(Termination::NonFiniteLoss));
            }
            run.best.offer(&point);
            let previous_loss = current.loss;
            current = point;
            if run.observe(&current, rate) {
                return Ok(run.finish(Termination::Stopped));
            }
            if current.gradient_max <= config.gradient_tolerance {
                return Ok(run.finish(Termination::ConvergedGradient));
            }
            if (current.loss - previous_loss).abs() < config.change_tolerance {
                return Ok(run.finish(Termination::ConvergedChange));
            }
        }
    }
}
