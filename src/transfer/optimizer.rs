//! The optimizer choice.

use burn::tensor::Tensor;
use impasto_optim::{
    Adam, AdamConfig, Bounds, GradientDescent, GradientDescentConfig, Lbfgs, LbfgsConfig,
    Minimizer, Objective, Observer, OptimError, Outcome,
};

/// Which optimizer a run uses, with its settings. The run's
/// [`iterations`](super::StyleTransfer::with_iterations) replace the config's own limit.
#[derive(Debug, Clone)]
pub enum OptimizerConfig {
    /// L-BFGS (the paper's optimizer; the default).
    Lbfgs(LbfgsConfig),
    /// Gradient descent with a fixed learning rate.
    GradientDescent(GradientDescentConfig),
    /// Adam.
    Adam(AdamConfig),
}

impl OptimizerConfig {
    /// `lbfgs`, `gd` or `adam`: the names the command accepts.
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerConfig::Lbfgs(_) => "lbfgs",
            OptimizerConfig::GradientDescent(_) => "gd",
            OptimizerConfig::Adam(_) => "adam",
        }
    }

    /// The same optimizer with its iteration limit set to `iterations` (L-BFGS's
    /// evaluation limit, unless set, follows it by its own rule).
    pub(crate) fn with_max_iterations(&self, iterations: usize) -> Result<Self, OptimError> {
        Ok(match self {
            OptimizerConfig::Lbfgs(c) => {
                OptimizerConfig::Lbfgs(c.clone().with_max_iterations(iterations)?)
            }
            OptimizerConfig::GradientDescent(c) => {
                OptimizerConfig::GradientDescent(c.clone().with_max_iterations(iterations)?)
            }
            OptimizerConfig::Adam(c) => {
                OptimizerConfig::Adam(c.clone().with_max_iterations(iterations)?)
            }
        })
    }

    /// L-BFGS's history `m`; `None` for the others, which keep no history.
    pub(crate) fn history(&self) -> Option<usize> {
        match self {
            OptimizerConfig::Lbfgs(c) => Some(c.history()),
            _ => None,
        }
    }

    /// The same optimizer with L-BFGS's history `m` (the others as they are).
    pub(crate) fn with_history(&self, m: usize) -> Result<Self, OptimError> {
        Ok(match self {
            OptimizerConfig::Lbfgs(c) => OptimizerConfig::Lbfgs(c.clone().with_history(m)?),
            other => other.clone(),
        })
    }

    /// Runs the configured minimizer within `bounds`.
    pub(crate) fn minimize<O: Objective<4>, B: Observer>(
        &self,
        objective: &mut O,
        x0: Tensor<4>,
        bounds: &Bounds<4>,
        observer: &mut B,
    ) -> Result<Outcome<4>, OptimError<O::Error>> {
        match self {
            OptimizerConfig::Lbfgs(c) => {
                Lbfgs::new(c.clone()).minimize_within(objective, x0, bounds, observer)
            }
            OptimizerConfig::GradientDescent(c) => {
                GradientDescent::new(c.clone()).minimize_within(objective, x0, bounds, observer)
            }
            OptimizerConfig::Adam(c) => {
                Adam::new(c.clone()).minimize_within(objective, x0, bounds, observer)
            }
        }
    }
}
