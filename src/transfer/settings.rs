//! The optimizer choice, and checking a [`StyleTransfer`]'s settings before any work.

use burn::tensor::Tensor;
use impasto_optim::{
    Adam, AdamConfig, GradientDescent, GradientDescentConfig, Lbfgs, LbfgsConfig, Minimizer,
    Objective, Observer, OptimError, Outcome,
};

use super::{MAX_SIZE, StyleTransfer, Task};
use crate::ImpastoError;
use crate::error::Setting;

/// Which optimizer a run uses, with its settings. The run's
/// [`iterations`](StyleTransfer::with_iterations) replace the config's own limit.
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

    /// Runs the configured minimizer.
    pub(crate) fn minimize<O: Objective<4>, B: Observer>(
        &self,
        objective: &mut O,
        x0: Tensor<4>,
        observer: &mut B,
    ) -> Result<Outcome<4>, OptimError<O::Error>> {
        match self {
            OptimizerConfig::Lbfgs(c) => Lbfgs::new(c.clone()).minimize(objective, x0, observer),
            OptimizerConfig::GradientDescent(c) => {
                GradientDescent::new(c.clone()).minimize(objective, x0, observer)
            }
            OptimizerConfig::Adam(c) => Adam::new(c.clone()).minimize(objective, x0, observer),
        }
    }
}

fn invalid(setting: Setting, reason: String) -> ImpastoError {
    ImpastoError::InvalidSetting { setting, reason }
}

pub(super) fn validate(transfer: &StyleTransfer) -> Result<(), ImpastoError> {
    let size = transfer.schedule.size();
    if size == 0 || size > MAX_SIZE {
        return Err(invalid(
            Setting::Size,
            format!("{size} is not between 1 and {MAX_SIZE} pixels"),
        ));
    }
    let scale = transfer.style_scale;
    if !scale.is_finite() || scale <= 0.0 || scale * size as f64 > MAX_SIZE as f64 {
        return Err(invalid(
            Setting::StyleScale,
            format!("{scale} must be positive, and size × style scale at most {MAX_SIZE}"),
        ));
    }
    if transfer.has_style_term() && transfer.styles.is_empty() {
        return Err(invalid(
            Setting::Style,
            "at least one style image is needed".into(),
        ));
    }
    // The blend weights are checked here, with the setting's name in the message;
    // StyleTargets normalises them (and reports them normalised).
    if let Some(blend) = &transfer.style_blend {
        if blend.len() != transfer.styles.len() {
            return Err(invalid(
                Setting::StyleBlend,
                format!(
                    "{} weights given for {} style images; give one per style image",
                    blend.len(),
                    transfer.styles.len()
                ),
            ));
        }
        if let Some(w) = blend.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(invalid(
                Setting::StyleBlend,
                format!("{w} is not a finite, non-negative weight"),
            ));
        }
        if blend.iter().all(|&w| w == 0.0) {
            return Err(invalid(Setting::StyleBlend, "the weights are all 0".into()));
        }
    }
    // The optimizer configs are valid by construction, and so is every iteration limit.
    let stages = transfer.stages();
    super::stages::validate(&stages)?;
    transfer.layers.validate()?;
    transfer.loss_weights.validate()?;
    if transfer.task != Task::Transfer && transfer.loss_weights.is_balanced() {
        return Err(invalid(
            Setting::LossWeights,
            "a reconstruction has one term, so there is nothing to balance; give fixed weights"
                .into(),
        ));
    }
    if transfer.temporal.is_some() && stages.len() != 1 {
        return Err(invalid(
            Setting::TemporalWeight,
            "a temporal term needs a single-scale run (one stage at the frame's size)".into(),
        ));
    }
    Ok(())
}
