//! The run report's resolved configuration, as a run builds it from its settings and
//! plan: here, beside the run, so that the report's types need nothing of the transfer.

use burn::tensor::Device;
use impasto_loss::TotalLoss;
use impasto_optim::LineSearch;
use impasto_vgg::{Pooling, VggLayer};

use super::style_regions::describe;
use super::{OptimizerConfig, Plan, StyleTransfer};
use crate::report::{OptimizerReport, ResolvedConfig, StyleReport};

/// What a run resolved besides its [`StyleTransfer`]: the pieces [`ResolvedConfig::new`]
/// reports.
pub(crate) struct RunParts<'a> {
    /// The optimizer, with the stage's iteration limit.
    pub optimizer: &'a OptimizerConfig,
    /// The stage's loss (for the style images' blend weights).
    pub loss: &'a TotalLoss,
    /// The optimised image's `[width, height]`.
    pub image_size: [u32; 2],
    /// Each style image's `[width, height]` after resizing.
    pub style_sizes: Vec<[u32; 2]>,
}

impl ResolvedConfig {
    /// What `transfer` resolved to: its `plan`, and once its images are read and its
    /// network built, `parts` (each style image with its blend weight, normalised) and
    /// the device.
    pub(crate) fn new(
        transfer: &StyleTransfer,
        plan: &Plan,
        parts: RunParts<'_>,
        device: &Device,
    ) -> Self {
        let blend = parts
            .loss
            .style_targets()
            .map_or(&[][..], |s| s.blend_weights());
        let network = &plan.network;
        let names = |layers: &[VggLayer]| layers.iter().map(|l| l.to_string()).collect();
        ResolvedConfig {
            task: transfer.task.name().to_string(),
            content: transfer.content.as_ref().map(|c| c.to_string()),
            styles: transfer
                .styles
                .iter()
                .zip(parts.style_sizes.iter().zip(blend))
                .enumerate()
                .map(|(index, (input, (&size, &weight)))| StyleReport {
                    image: input.to_string(),
                    weight,
                    size,
                    mask: describe(&transfer.regions, index),
                })
                .collect(),
            weights: transfer.weights.to_string(),
            random_weights: transfer.weights.is_random(),
            architecture: network.architecture.name().to_string(),
            input_convention: network.input.to_string(),
            input_convention_from: network.input_from.to_string(),
            size: plan.size(),
            image_size: parts.image_size,
            style_scale: transfer.style_scale,
            iterations: plan.stages.last().map_or(0, |s| s.iterations),
            init: transfer.init.to_string(),
            seed: transfer.seed,
            loss_weights: plan.loss_weights,
            content_layers: names(&plan.content_layers),
            style_layers: names(&plan.style_layers),
            style_layer_weights: plan.style_layer_weights.clone(),
            optimizer: OptimizerReport::from(parts.optimizer),
            pooling: match transfer.pooling {
                Pooling::Max => "max",
                Pooling::Avg => "avg",
            }
            .to_string(),
            original_colors: transfer.colors.photo_chroma(),
            colors: transfer.colors.to_string(),
            bounds: transfer.pixel_bounds.to_string(),
            device: format!("{device:?}"),
            stages: Vec::new(),
            temporal_weight: None,
            max_memory_bytes: transfer.memory_budget(),
        }
    }
}

impl From<&OptimizerConfig> for OptimizerReport {
    fn from(optimizer: &OptimizerConfig) -> Self {
        let mut report = OptimizerReport {
            name: optimizer.name().to_string(),
            history: None,
            line_search: None,
            learning_rate: None,
            max_evaluations: None,
        };
        match optimizer {
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
