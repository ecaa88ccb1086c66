//! Adam (Kingma & Ba, 2015), the first-order method style transfer is often run with.

use burn::tensor::Tensor;

use crate::config::{check_positive, stopping_settings};
use crate::run::{Context, Iterate, Method, Step, Stopping};
use crate::scalars::Point;
use crate::{Objective, OptimError};

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
    stopping: Stopping,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            stopping: Stopping::defaults(0.0),
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

    stopping_settings!(
        "Converged when |f_{k+1} − f_k| < this. Default 0 (never), valid finite ≥ 0."
    );

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
/// `x0`: any `[D]` shape; see [`Minimizer`](crate::Minimizer).
///
/// # Example
///
/// See [`Minimizer`](crate::Minimizer).
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

/// Adam's state: its settings and the running moments m and v.
pub struct Moments<const D: usize> {
    config: AdamConfig,
    m: Tensor<D>,
    v: Tensor<D>,
}

impl<const D: usize> Iterate<D> for Moments<D> {
    fn iterate<O: Objective<D>>(&mut self, at: Context<'_, '_, D, O>) -> Step<D, O::Error> {
        let c = &self.config;
        let k = (at.iteration + 1) as i32;
        let g = at.current.gradient.clone();
        // The moments are taken by value (g's handle left in their place), so that a
        // backend with copy-on-write buffers can update them in place.
        let m = std::mem::replace(&mut self.m, g.clone());
        let v = std::mem::replace(&mut self.v, g.clone());
        self.m = m.mul_scalar(c.beta1) + g.clone().mul_scalar(1.0 - c.beta1);
        self.v = v.mul_scalar(c.beta2) + g.square().mul_scalar(1.0 - c.beta2);
        let m_hat = self.m.clone().div_scalar(1.0 - c.beta1.powi(k));
        let v_hat = self.v.clone().div_scalar(1.0 - c.beta2.powi(k));
        let update = m_hat / v_hat.sqrt().add_scalar(c.epsilon);
        let x = at.current.x.clone() - update.mul_scalar(c.learning_rate);
        at.evaluator.step_to(x, c.learning_rate)
    }
}

impl Method for Adam {
    type State<const D: usize> = Moments<D>;

    fn start<const D: usize>(&self, start: &Point<D>) -> Moments<D> {
        Moments {
            config: self.config.clone(),
            m: start.gradient.zeros_like(),
            v: start.gradient.zeros_like(),
        }
    }

    fn stopping(&self) -> Stopping {
        self.config.stopping
    }
}
