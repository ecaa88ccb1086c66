//! Adam (Kingma & Ba, 2015), the first-order method style transfer is often run with.

use std::time::Instant;

use burn::tensor::Tensor;

use crate::config::{check_positive, check_tolerance};
use crate::run::Run;
use crate::scalars::evaluate;
use crate::{Minimizer, Objective, Observer, OptimError, Outcome, Termination};

/// Settings of [`Adam`], valid by construction. Defaults are torch.optim.Adam's.
///
/// | setting | default | valid range |
/// |---|---|---|
/// | [`learning_rate`](Self::learning_rate) | 1e-3 | finite, > 0 |
/// | [`beta1`](Self::beta1) | 0.9 | 0 ≤ β₁ < 1 |
/// | [`beta2`](Self::beta2) | 0.999 | 0 ≤ β₂ < 1 |
/// | [`epsilon`](Self::epsilon) | 1e-8 | finite, > 0 |
/// | [`max_iterations`](Self::max_iterations) | 1000 | any (0 evaluates x₀ only) |
/// | [`gradient_tolerance`](Self::gradient_tolerance) | 1e-7 | finite, ≥ 0 |
/// | [`change_tolerance`](Self::change_tolerance) | 0 (off: Adam's loss can stall and resume) | finite, ≥ 0 |
#[derive(Debug, Clone, PartialEq)]
pub struct AdamConfig {
    learning_rate: f64,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    max_iterations: usize,
    gradient_tolerance: f64,
    change_tolerance: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            max_iterations: 1000,
            gradient_tolerance: 1e-7,
            change_tolerance: 0.0,
        }
    }
}

impl AdamConfig {
    /// The step size α. Default 1e-3, valid finite > 0.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// Decay of the gradient's running mean. Default 0.9, valid [0, 1).
    pub fn beta1(&self) -> f64 {
        self.beta1
    }
    /// Decay of the squared gradient's running mean. Default 0.999, valid [0, 1).
    pub fn beta2(&self) -> f64 {
        self.beta2
    }
    /// Added to √v̂ so the step stays bounded. Default 1e-8, valid finite > 0.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }
    /// Iteration limit (one evaluation each). Default 1000.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }
    /// Converged when max |g| ≤ this. Default 1e-7, valid finite ≥ 0.
    pub fn gradient_tolerance(&self) -> f64 {
        self.gradient_tolerance
    }
    /// Converged when |f_{k+1} − f_k| < this. Default 0 (never), valid finite ≥ 0.
    pub fn change_tolerance(&self) -> f64 {
        self.change_tolerance
    }

    /// Sets α.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `rate` is finite and > 0.
    pub fn with_learning_rate(mut self, rate: f64) -> Result<Self, OptimError> {
        self.learning_rate = check_positive("learning_rate", rate)?;
        Ok(self)
    }
    /// Sets β₁.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless 0 ≤ `beta` < 1.
    pub fn with_beta1(mut self, beta: f64) -> Result<Self, OptimError> {
        self.beta1 = decay("beta1", beta)?;
        Ok(self)
    }
    /// Sets β₂.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless 0 ≤ `beta` < 1.
    pub fn with_beta2(mut self, beta: f64) -> Result<Self, OptimError> {
        self.beta2 = decay("beta2", beta)?;
        Ok(self)
    }
    /// Sets ε.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidConfig`] unless `epsilon` is finite and > 0.
    pub fn with_epsilon(mut self, epsilon: f64) -> Result<Self, OptimError> {
        self.epsilon = check_positive("epsilon", epsilon)?;
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

fn decay(parameter: &'static str, value: f64) -> Result<f64, OptimError> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(OptimError::invalid(parameter, value, "0 ≤ β < 1"))
    }
}

/// Adam: per-element steps scaled by running moments of the gradient.
///
/// With m₀ = v₀ = 0, at iteration k = 1, 2, …:
///
/// ```text
/// m_k = β₁ m_{k−1} + (1 − β₁) g ;  v_k = β₂ v_{k−1} + (1 − β₂) g²
/// m̂ = m_k / (1 − β₁ᵏ) ;  v̂ = v_k / (1 − β₂ᵏ) ;  x ← x − α m̂ / (√v̂ + ε)
/// ```
///
/// (Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015, Algorithm 1; the
/// same update as torch.optim.Adam.) One evaluation per iteration; terminations as
/// [`GradientDescent`](crate::GradientDescent)'s. Memory: m and v, two vectors of x's size.
///
/// # Shapes
///
/// `x0`: any `[D]` shape; see [`Minimizer`].
///
/// # Example
///
/// See [`Minimizer`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adam {
    config: AdamConfig,
}

impl Adam {
    /// Adam with these settings.
    pub fn new(config: AdamConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }
}

impl Minimizer for Adam {
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
        let c = &self.config;
        let (mut current, _) = evaluate(objective, x0.inner(), None)?;
        let mut run = Run::new(started, &current, observer);
        if !current.is_finite() {
            return Ok(run.finish(Termination::NonFiniteLoss));
        }
        if run.observe(&current, 0.0) {
            return Ok(run.finish(Termination::Stopped));
        }
        if current.gradient_max <= c.gradient_tolerance {
            return Ok(run.finish(Termination::ConvergedGradient));
        }
        let mut m = current.gradient.zeros_like();
        let mut v = current.gradient.zeros_like();
        loop {
            if run.iterations >= c.max_iterations {
                return Ok(run.finish(Termination::MaxIterations));
            }
            let k = (run.iterations + 1) as i32;
            let g = current.gradient.clone();
            m = m.mul_scalar(c.beta1) + g.clone().mul_scalar(1.0 - c.beta1);
            v = v.mul_scalar(c.beta2) + g.square().mul_scalar(1.0 - c.beta2);
            let m_hat = m.clone().div_scalar(1.0 - c.beta1.powi(k));
            let v_hat = v.clone().div_scalar(1.0 - c.beta2.powi(k));
            let update = m_hat / v_hat.sqrt().add_scalar(c.epsilon);
            let x = current.x.clone() - update.mul_scalar(c.learning_rate);
            let (point, _) = evaluate(objective, x, None)?;
            run.evaluations += 1;
            run.iterations += 1;
            if !point.is_finite() {
                return Ok(run.finish(Termination::NonFiniteLoss));
            }
            run.best.offer(&point);
            let previous_loss = current.loss;
            current = point;
            if run.observe(&current, c.learning_rate) {
                return Ok(run.finish(Termination::Stopped));
            }
            if current.gradient_max <= c.gradient_tolerance {
                return Ok(run.finish(Termination::ConvergedGradient));
            }
            if (current.loss - previous_loss).abs() < c.change_tolerance {
                return Ok(run.finish(Termination::ConvergedChange));
            }
        }
    }
}
