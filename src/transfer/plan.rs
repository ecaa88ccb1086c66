//! What a run will do, resolved once from a [`StyleTransfer`]'s settings: the one path
//! from settings to pixels. The run, its report and plot, video and batch all read the
//! plan; none derives a stage, a weight or a layer again.

use impasto_loss::LossWeights;
use impasto_vgg::VggLayer;

use super::{Stage, StyleTransfer, Task};
use crate::{ImpastoError, NetworkChoice};

/// A [`StyleTransfer`] resolved: every default filled in, every setting checked.
///
/// What depends on the images is resolved per stage as the run reaches it and recorded
/// in the report ([`StageReport`](crate::report::StageReport)): the image sizes, and the
/// α, β, γ a balance sets from each term's scale at that size.
///
/// ```
/// use impasto::transfer::{Stage, StyleTransfer};
/// use impasto::loss::LossWeights;
/// use impasto::weights::WeightsSource;
///
/// let plan = StyleTransfer::new("photo.jpg", vec!["painting.jpg".into()])
///     .with_weights(WeightsSource::Random)
///     .with_size(1024)
///     .with_style_strength(60.0)
///     .plan()?;
/// assert_eq!(plan.stages, [Stage::new(256, 150), Stage::new(512, 38), Stage::new(1024, 38)]);
/// assert_eq!(plan.loss_weights, LossWeights::Balanced { style: 60.0, tv: 0.5 });
/// # Ok::<(), impasto::ImpastoError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Which experiment.
    pub task: Task,
    /// The stages, coarse to fine; the last one's size is the result's.
    pub stages: Vec<Stage>,
    /// How the terms are weighed (resolved to α, β, γ at each stage).
    pub loss_weights: LossWeights,
    /// The content layers (empty without a content term).
    pub content_layers: Vec<VggLayer>,
    /// The style layers (empty without a style term).
    pub style_layers: Vec<VggLayer>,
    /// The per-layer style weights `w_l` in effect, one per style layer.
    pub style_layer_weights: Vec<f64>,
    /// The network: architecture and input convention, and how each was decided.
    pub network: NetworkChoice,
}

impl Plan {
    /// The result's longest side.
    pub fn size(&self) -> u32 {
        self.stages.last().map_or(0, |s| s.size)
    }

    /// Iterations over all stages.
    pub fn total_iterations(&self) -> usize {
        self.stages.iter().map(|s| s.iterations).sum()
    }
}

impl StyleTransfer {
    /// Checks every setting ([`validate`](Self::validate)) and resolves them into the
    /// [`Plan`] a run follows. Reads the weights file's header (not its tensors) to tell
    /// the network.
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate) and [`network`](Self::network).
    pub fn plan(&self) -> Result<Plan, ImpastoError> {
        // Every setting first: a bad one is reported before the weights file is read.
        self.validate()?;
        Ok(self.resolve(self.network()?))
    }

    /// [`plan`](Self::plan) on a network already chosen for these settings: a video's
    /// frames share the template's, so the weights file's header is not read again for
    /// each.
    pub(crate) fn plan_on(&self, network: NetworkChoice) -> Result<Plan, ImpastoError> {
        self.validate()?;
        Ok(self.resolve(network))
    }

    /// The plan of validated settings on `network`.
    fn resolve(&self, network: NetworkChoice) -> Plan {
        let (content, style) = (self.has_content_term(), self.has_style_term());
        Plan {
            task: self.task,
            stages: self.stages(),
            loss_weights: self.loss_weights,
            content_layers: if content {
                self.layers.content_layers.clone()
            } else {
                Vec::new()
            },
            style_layers: if style {
                self.layers.style_layers.clone()
            } else {
                Vec::new()
            },
            style_layer_weights: if style {
                self.layers.resolved_style_layer_weights()
            } else {
                Vec::new()
            },
            network,
        }
    }
}
