//! Checking a [`StyleTransfer`]'s settings before any work.

use super::stages::{self, MAX_SIZE};
use super::style_transfer::{StyleTransfer, Task};
use crate::ImpastoError;
use crate::error::Setting;

impl StyleTransfer {
    /// Checks every setting that can be checked without reading a file.
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`] for a size, scale or blend out of range or a
    /// transfer without style images; [`ImpastoError::Loss`] for loss weights or layers.
    /// (Optimizer settings are checked when set: [`OptimizerConfig`](super::OptimizerConfig)'s configs are valid
    /// by construction.)
    pub fn validate(&self) -> Result<(), ImpastoError> {
        validate(self)
    }
}

fn invalid(setting: Setting, reason: String) -> ImpastoError {
    ImpastoError::InvalidSetting { setting, reason }
}

fn validate(transfer: &StyleTransfer) -> Result<(), ImpastoError> {
    if let Some(core) = transfer.tile_core {
        let align = transfer
            .layers
            .layers(true, true)
            .iter()
            .map(|l| 1usize << l.downsamplings())
            .max()
            .unwrap_or(1);
        if core == 0 || !core.is_multiple_of(align) {
            return Err(invalid(
                Setting::MaxMemory,
                format!("tiles of {core} pixels: the core must be a positive multiple of {align}"),
            ));
        }
    }
    if transfer.max_memory == Some(0) {
        return Err(invalid(
            Setting::MaxMemory,
            "a run needs more than 0 bytes".into(),
        ));
    }
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
    super::style_regions::validate(transfer)?;
    // The optimizer configs are valid by construction, and so is every iteration limit.
    let stages = transfer.stages();
    stages::validate(&stages)?;
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
