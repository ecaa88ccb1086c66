//! The total loss `L = α L_c + β L_s + γ L_tv`, evaluated through the network.

use std::collections::BTreeSet;

use burn::tensor::Tensor;
use impasto_vgg::{Vgg, VggLayer};

use crate::{
    ContentTargets, LossError, LossEvaluation, StyleTargets, Term, TotalLossConfig, content_loss,
    style_loss, total_variation,
};

/// The loss that style transfer minimises, ready to evaluate: a validated
/// [`TotalLossConfig`] with its targets.
///
/// A term is present when its targets are: without [`ContentTargets`] there is no
/// content term (a style reconstruction), without [`StyleTargets`] no style term (a
/// content reconstruction); an absent term contributes and reads 0. Total variation is
/// always computed.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::{StyleTargets, TotalLoss, TotalLossConfig};
/// use impasto_vgg::{VggConfig, VggLayer};
///
/// let device = Device::flex();
/// let vgg = VggConfig::new().with_seed(3).init(&device);
/// let texture = Tensor::<4>::ones([1, 3, 8, 8], &device).mul_scalar(0.25);
/// // Style reconstruction: no content targets, content weight 0.
/// let config = TotalLossConfig::new()
///     .with_content_weight(0.0)
///     .with_tv_weight(0.0)
///     .with_style_layers(vec![VggLayer::Relu1_1]);
/// let style = StyleTargets::new(&vgg, &[(texture.clone(), 1.0)], &config.style_layers)?;
/// let loss = TotalLoss::new(config, None, Some(style))?;
/// // The texture itself matches its own Gram matrices.
/// let breakdown = loss.evaluate(&vgg, texture)?.breakdown()?;
/// assert!(breakdown.style.abs() < 1e-9);
/// assert_eq!(breakdown.content, 0.0);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TotalLoss {
    config: TotalLossConfig,
    style_layer_weights: Vec<f64>,
    content: Option<ContentTargets>,
    style: Option<StyleTargets>,
    /// Every layer a forward pass must produce, in network order.
    layers: Vec<VggLayer>,
}

impl TotalLoss {
    /// A loss from a config and targets made for (at least) the config's layers.
    ///
    /// # Errors
    /// Those of [`TotalLossConfig::validate`]; [`LossError::MissingTarget`] if a term
    /// with a positive weight has no targets, or targets lack one of the config's layers.
    pub fn new(
        config: TotalLossConfig,
        content: Option<ContentTargets>,
        style: Option<StyleTargets>,
    ) -> Result<Self, LossError> {
        config.validate()?;
        check_targets(
            Term::Content,
            &config.content_layers,
            config.content_weight,
            content.as_ref().map(|t| t.layers().collect()),
        )?;
        check_targets(
            Term::Style,
            &config.style_layers,
            config.style_weight,
            style.as_ref().map(|t| t.layers().into_iter().collect()),
        )?;
        Ok(Self {
            style_layer_weights: config.resolved_style_layer_weights(),
            layers: config.layers(content.is_some(), style.is_some()),
            config,
            content,
            style,
        })
    }

    /// The configuration (validated).
    pub fn config(&self) -> &TotalLossConfig {
        &self.config
    }

    /// Every layer a forward pass produces for this loss, in network order
    /// ([`TotalLossConfig::layers`] of the terms present).
    pub fn layers(&self) -> &[VggLayer] {
        &self.layers
    }

    /// The per-layer style weights `w_l` in effect, one per style layer.
    pub(crate) fn style_layer_weights(&self) -> &[f64] {
        &self.style_layer_weights
    }

    /// The content targets, if the loss has a content term.
    pub fn content_targets(&self) -> Option<&ContentTargets> {
        self.content.as_ref()
    }

    /// The style targets, if the loss has a style term.
    pub fn style_targets(&self) -> Option<&StyleTargets> {
        self.style.as_ref()
    }

    /// The loss of `image`: one forward pass of `vgg` to the deepest layer needed, then
    /// every term, all queued on the image's device; nothing is read back to the host.
    ///
    /// Put `image` on an autodiff device with `require_grad()` to differentiate
    /// [`LossEvaluation::loss`]; the targets and the network's weights are constants.
    ///
    /// # Shapes
    /// - `image`: `[B, 3, H, W]`, pixels in `[0, 1]`, `H×W` the content image's size
    ///
    /// # Errors
    /// [`LossError::Vgg`] if the network rejects the image, [`LossError::ShapeMismatch`] if
    /// its size (or batch) does not match the content targets'.
    pub fn evaluate(&self, vgg: &Vgg, image: Tensor<4>) -> Result<LossEvaluation, LossError> {
        let features = vgg.features(image.clone(), &self.layers)?;
        let layer = |l: &VggLayer| {
            features
                .get(l)
                .cloned()
                .expect("Vgg::features returns every layer it is asked for")
        };
        let config = &self.config;

        let content = match &self.content {
            Some(targets) => Some(content_loss(config.content_layers.iter().map(|l| {
                let target = targets.get(*l).expect("checked in TotalLoss::new").clone();
                (layer(l), target)
            }))?),
            None => None,
        };
        let style = match &self.style {
            Some(targets) => {
                let mut per_layer = Vec::with_capacity(config.style_layers.len());
                for l in &config.style_layers {
                    per_layer.push(targets.layer_loss(*l, layer(l))?);
                }
                let total = style_loss(per_layer.clone(), Some(&self.style_layer_weights))?;
                Some((total, per_layer))
            }
            None => None,
        };
        let tv = total_variation(image);

        let mut loss = tv.clone().mul_scalar(config.tv_weight);
        if let Some(content) = &content {
            loss = loss + content.clone().mul_scalar(config.content_weight);
        }
        if let Some((style, _)) = &style {
            loss = loss + style.clone().mul_scalar(config.style_weight);
        }
        let style = style.map(|(total, per_layer)| {
            let named = config.style_layers.iter().copied().zip(per_layer);
            (total, named.collect())
        });
        Ok(LossEvaluation::new(loss, content, style, tv))
    }
}

/// `Ok` if `targets` (the layers held, `None` for no targets) serve `layers`, or the
/// term is absent with weight 0.
fn check_targets(
    term: Term,
    layers: &[VggLayer],
    weight: f64,
    targets: Option<BTreeSet<VggLayer>>,
) -> Result<(), LossError> {
    let missing = match &targets {
        Some(held) => layers.iter().find(|l| !held.contains(l)),
        None if weight > 0.0 => layers.first(),
        None => None,
    };
    match missing {
        Some(&layer) => Err(LossError::MissingTarget { term, layer }),
        None => Ok(()),
    }
}
