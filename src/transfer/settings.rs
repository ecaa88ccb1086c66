//! The optimizer choice, and checking a [`StyleTransfer`]'s settings before any work.

use impasto_optim::{
    Adam, AdamConfig, GradientDescent, GradientDescentConfig, Lbfgs, LbfgsConfig, LineSearch,
    Minimizer, Objective, Observer, OptimError, Outcome,
};

use super::{MAX_SIZE, StyleTransfer, Task};
use crate::ImpastoError;
use crate::report::OptimizerReport;

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

    /// The same optimizer with its iteration limit set to `iterations`.
    pub(crate) fn with_max_iterations(&self, iterations: usize) -> Result<Self, OptimError> {
        Ok(match self {
            OptimizerConfig::Lbfgs(c) => {
                let mut lbfgs = c.clone().with_max_iterations(iterations)?;
                if c.max_evaluations_setting().is_none() {
                    // torch's ⌊1.25 N⌋ alone would end short runs early: the first
                    // line search, with no curvature yet, takes 2–3 evaluations.
                    let budget = (iterations + iterations / 4).max(iterations + 10);
                    lbfgs = lbfgs.with_max_evaluations(budget)?;
                }
                OptimizerConfig::Lbfgs(lbfgs)
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
        x0: burn::tensor::Tensor<4>,
        observer: &mut B,
    ) -> Result<Outcome<4>, OptimError> {
        match self {
            OptimizerConfig::Lbfgs(c) => Lbfgs::new(c.clone()).minimize(objective, x0, observer),
            OptimizerConfig::GradientDescent(c) => {
                GradientDescent::new(c.clone()).minimize(objective, x0, observer)
            }
            OptimizerConfig::Adam(c) => Adam::new(c.clone()).minimize(objective, x0, observer),
        }
    }

    /// What the report records of it.
    pub(crate) fn report(&self) -> OptimizerReport {
        let mut report = OptimizerReport {
            name: self.name().to_string(),
            history: None,
            line_search: None,
            learning_rate: None,
            max_evaluations: None,
        };
        match self {
            OptimizerConfig::Lbfgs(c) => {
                report.history = Some(c.history());
                report.max_evaluations = Some(c.max_evaluations());
                let (name, rate) = match c.line_search() {
                    LineSearch::None { learning_rate } => ("none", Some(learning_rate)),
                    LineSearch::StrongWolfe { .. } => ("strong-wolfe", None),
                    LineSearch::Armijo { .. } => ("armijo", None),
                };
                report.line_search = Some(name.to_string());
                report.learning_rate = rate;
            }
            OptimizerConfig::GradientDescent(c) => report.learning_rate = Some(c.learning_rate()),
            OptimizerConfig::Adam(c) => report.learning_rate = Some(c.learning_rate()),
        }
        report
    }
}

fn invalid(setting: &'static str, reason: String) -> ImpastoError {
    ImpastoError::InvalidSetting { setting, reason }
}

pub(super) fn validate(transfer: &StyleTransfer) -> Result<(), ImpastoError> {
    if transfer.size == 0 || transfer.size > MAX_SIZE {
        return Err(invalid(
            "size",
            format!("{} is not between 1 and {MAX_SIZE} pixels", transfer.size),
        ));
    }
    let scale = transfer.style_scale;
    if !scale.is_finite() || scale <= 0.0 || scale * transfer.size as f64 > MAX_SIZE as f64 {
        return Err(invalid(
            "style scale",
            format!("{scale} must be positive, and size × style scale at most {MAX_SIZE}"),
        ));
    }
    let needs_style = transfer.task != Task::ReconstructContent;
    if needs_style && transfer.styles.is_empty() {
        return Err(invalid(
            "style",
            "at least one style image is needed".into(),
        ));
    }
    if let Some(blend) = &transfer.style_blend {
        if blend.len() != transfer.styles.len() {
            return Err(invalid(
                "style blend",
                format!(
                    "{} weights given for {} style images; give one per style image",
                    blend.len(),
                    transfer.styles.len()
                ),
            ));
        }
        if let Some(w) = blend.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(invalid(
                "style blend",
                format!("{w} is not a finite, non-negative weight"),
            ));
        }
        if blend.iter().all(|&w| w == 0.0) {
            return Err(invalid("style blend", "the weights are all 0".into()));
        }
    }
    transfer.loss.validate()?;
    transfer
        .optimizer
        .with_max_iterations(transfer.iterations)?;
    Ok(())
}

/// The blend weights in effect, normalised to sum to 1.
pub(super) fn resolved_blend(transfer: &StyleTransfer) -> Vec<f64> {
    let n = transfer.styles.len();
    match &transfer.style_blend {
        Some(blend) => {
            let sum: f64 = blend.iter().sum();
            blend.iter().map(|w| w / sum).collect()
        }
        None => vec![1.0 / n as f64; n],
    }
}
