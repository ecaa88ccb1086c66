//! The total loss's configuration: term weights and layers, with the defaults derived in
//! `docs/maths.md`.

use std::collections::BTreeSet;

use burn::config::Config;
use burn::tensor::Tensor;
use impasto_vgg::{Vgg, VggLayer};

use crate::checks::{check_layers, check_weight};
use crate::style::check_layer_weights;
use crate::{ContentTargets, LossError, StyleTargets, Term, TotalLoss};

/// Default content weight α.
pub const DEFAULT_CONTENT_WEIGHT: f64 = 1.0;
/// Default style weight β: the paper's α/β between 10⁻³ and 10⁻⁴ carried over to
/// torchvision's feature scale, within a factor 3 of jcjohnson/neural-style's defaults at
/// 512 px (derivation in `docs/maths.md`).
pub const DEFAULT_STYLE_WEIGHT: f64 = 1e7;
/// Default total-variation weight γ: jcjohnson/neural-style's `tv_weight` 10⁻³ converted
/// to `[0, 1]` pixels and this crate's sums (derivation in `docs/maths.md`).
pub const DEFAULT_TV_WEIGHT: f64 = 1e3;
/// Default content layers `C`: the paper's `relu4_2`.
pub const DEFAULT_CONTENT_LAYERS: [VggLayer; 1] = [VggLayer::Relu4_2];
/// Default style layers `S`: the paper's first ReLU of each block.
pub const DEFAULT_STYLE_LAYERS: [VggLayer; 5] = [
    VggLayer::Relu1_1,
    VggLayer::Relu2_1,
    VggLayer::Relu3_1,
    VggLayer::Relu4_1,
    VggLayer::Relu5_1,
];

/// Configuration of the [`TotalLoss`] `L = α L_c + β L_s + γ L_tv`.
///
/// The defaults (α = 1, β = 10⁷, γ = 10³, `C = {relu4_2}`,
/// `S = {relu1_1, relu2_1, relu3_1, relu4_1, relu5_1}`, `w_l = 1/|S|`) do not depend on
/// the image size, but the terms do, as the formulas force: `L_c` and `L_tv` are sums over
/// positions and grow with the image's area, `L_s` does not. So at fixed weights the
/// style's share falls as the image grows; the defaults are set at 512×512. To keep that
/// balance at `H×W`, scale β by `H·W / 512²`. The facade's style transfer instead sets β
/// and γ by default from each term's scale (`LossWeights`, a balance); see `docs/maths.md`.
///
/// # Example
/// ```
/// use impasto_loss::{LossError, TotalLossConfig};
/// use impasto_vgg::VggLayer;
///
/// let config = TotalLossConfig::new()
///     .with_style_weight(1e6)
///     .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Relu2_1])
///     .with_style_layer_weights(Some(vec![0.7, 0.3]));
/// config.validate()?;
/// assert_eq!(config.resolved_style_layer_weights(), vec![0.7, 0.3]);
///
/// let bad = TotalLossConfig::new().with_tv_weight(-1.0);
/// assert!(matches!(bad.validate(), Err(LossError::NegativeWeight { .. })));
/// # Ok::<(), LossError>(())
/// ```
#[derive(Config, Debug)]
pub struct TotalLossConfig {
    /// α, the weight of the content loss `L_c`. Default 1. Finite, ≥ 0.
    #[config(default = "DEFAULT_CONTENT_WEIGHT")]
    pub content_weight: f64,
    /// β, the weight of the style loss `L_s`. Default 10⁷. Finite, ≥ 0.
    #[config(default = "DEFAULT_STYLE_WEIGHT")]
    pub style_weight: f64,
    /// γ, the weight of the total variation `L_tv`. Default 10³. Finite, ≥ 0; 0 is the
    /// paper's loss, which has no such term.
    #[config(default = "DEFAULT_TV_WEIGHT")]
    pub tv_weight: f64,
    /// The content layers `C`. Default `[relu4_2]`. Non-empty, no repeats.
    #[config(default = "DEFAULT_CONTENT_LAYERS.to_vec()")]
    pub content_layers: Vec<VggLayer>,
    /// The style layers `S`. Default `[relu1_1, relu2_1, relu3_1, relu4_1, relu5_1]`.
    /// Non-empty, no repeats.
    #[config(default = "DEFAULT_STYLE_LAYERS.to_vec()")]
    pub style_layers: Vec<VggLayer>,
    /// The per-layer style weights `w_l`, one per style layer in the same order, used as
    /// given. Default `None`: `w_l = 1/|S|`. Each finite, ≥ 0.
    #[config(default = "None")]
    pub style_layer_weights: Option<Vec<f64>>,
}

impl TotalLossConfig {
    /// The three term weights at once: α (content), β (style), γ (total variation).
    #[must_use]
    pub fn with_term_weights(self, content: f64, style: f64, tv: f64) -> Self {
        self.with_content_weight(content)
            .with_style_weight(style)
            .with_tv_weight(tv)
    }

    /// Checks every weight and layer list.
    ///
    /// # Errors
    /// [`LossError::NegativeWeight`] / [`LossError::NonFiniteWeight`] for α, β, γ or a
    /// per-layer weight; [`LossError::EmptyLayers`] / [`LossError::DuplicateLayer`] for a
    /// layer list; [`LossError::LayerWeightCount`] if the per-layer weights are not one per
    /// style layer.
    pub fn validate(&self) -> Result<(), LossError> {
        check_weight(|| "content_weight".into(), self.content_weight)?;
        check_weight(|| "style_weight".into(), self.style_weight)?;
        check_weight(|| "tv_weight".into(), self.tv_weight)?;
        check_layers(Term::Content, &self.content_layers)?;
        check_layers(Term::Style, &self.style_layers)?;
        if let Some(weights) = &self.style_layer_weights {
            check_layer_weights(weights, self.style_layers.len())?;
        }
        Ok(())
    }

    /// The per-layer style weights `w_l` in effect: the ones given, or `1/|S|` each.
    pub fn resolved_style_layer_weights(&self) -> Vec<f64> {
        match &self.style_layer_weights {
            Some(weights) => weights.clone(),
            None => vec![1.0 / self.style_layers.len() as f64; self.style_layers.len()],
        }
    }

    /// The layers a forward pass must produce for a loss with the content term (if
    /// `content`) and the style term (if `style`): their layers together, in network order,
    /// each once. The last is the deepest, where the network can end.
    ///
    /// ```
    /// use impasto_loss::TotalLossConfig;
    /// use impasto_vgg::VggLayer::{Relu1_1, Relu2_1, Relu4_2};
    ///
    /// let config = TotalLossConfig::new().with_style_layers(vec![Relu2_1, Relu1_1]);
    /// assert_eq!(config.layers(true, true), [Relu1_1, Relu2_1, Relu4_2]);
    /// assert_eq!(config.layers(false, true), [Relu1_1, Relu2_1]);
    /// assert_eq!(config.layers(true, false), [Relu4_2]);
    /// ```
    pub fn layers(&self, content: bool, style: bool) -> Vec<VggLayer> {
        let mut layers = BTreeSet::new();
        if content {
            layers.extend(self.content_layers.iter().copied());
        }
        if style {
            layers.extend(self.style_layers.iter().copied());
        }
        layers.into_iter().collect()
    }

    /// Validates the config, computes the content and style targets with `vgg`, and
    /// builds the loss.
    ///
    /// # Shapes
    /// - `content`: `[1, 3, H, W]`, pixels in `[0, 1]`: the size of the images the loss
    ///   will evaluate
    /// - each style image: `[1, 3, H_i, W_i]`, any size; weights as in
    ///   [`StyleTargets::new`]
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate), [`ContentTargets::new`] and
    /// [`StyleTargets::new`].
    pub fn init(
        &self,
        vgg: &Vgg,
        content: Tensor<4>,
        styles: &[(Tensor<4>, f64)],
    ) -> Result<TotalLoss, LossError> {
        self.validate()?;
        let content = ContentTargets::new(vgg, content, &self.content_layers)?;
        let style = StyleTargets::new(vgg, styles, &self.style_layers)?;
        TotalLoss::new(self.clone(), Some(content), Some(style))
    }
}
