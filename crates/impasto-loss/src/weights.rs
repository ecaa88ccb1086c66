//! How the three terms are weighed: fixed α, β, γ, or a balance that measures each term
//! against its own scale so that a result looks alike at every image size.
//!
//! With α, β, γ fixed, the balance of `L = α L_c + β L_s + γ L_tv` moves with the image:
//! `L_c` sums over the photo's feature positions and grows with its area, `L_s` does not,
//! and with caffe-convention weights features are ~58× larger, so `L_c` grows by 58² and
//! `L_s` by 58⁴ (docs/maths.md). A balance instead measures each term against its
//! **scale** ([`TermScales`], computed by [`term_scales`]), the value it has for an image
//! with no features or no detail:
//!
//! - `S_c = L_c(F = 0) = ½ Σ_l ‖P^l‖²`, the content loss of a black feature map;
//! - `S_s = L_s(G = 0) = Σ_l w_l ‖A^l‖² / (4 N_l² M_l²)`, the style loss of a black one
//!   (it does not depend on the image's size: `A^l` grows with `M_l`);
//! - `S_tv = L_tv(content)`, the photo's own total variation at the working size.
//!
//! and sets `α = 1`, `β = style · S_c / S_s` and `γ = tv · S_c / S_tv`. The loss is then
//! `S_c (L_c/S_c + style · L_s/S_s + tv · L_tv/S_tv)`: three ratios that mean the same at
//! every size, in the content term's units.

use burn::tensor::Tensor;
use impasto_vgg::VggLayer;
use serde::{Deserialize, Serialize};

use crate::checks::check_weight;
use crate::{
    ContentTargets, DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_WEIGHT, DEFAULT_TV_WEIGHT, LossError,
    StyleTargets, Term, content_loss, style_loss, total_variation,
};

/// The balance's default style strength: the style term's weight relative to the
/// content term's, each over its scale. Chosen by looking at results made with trained
/// VGG16 weights on photo × painting pairs at 256 and 512 px (docs/benchmarks.md,
/// "Balance across sizes"). For reference, the fixed weights α = 1, β = 10⁷ at 512 px
/// correspond to strengths between 39 and 373 on those pairs.
pub const DEFAULT_STYLE_STRENGTH: f64 = 30.0;
/// The balance's default total-variation strength, relative to the content term's, each
/// over its scale (the fixed γ = 10³ at 512 px corresponds to 0.37 to 0.75).
pub const DEFAULT_TV_STRENGTH: f64 = 0.5;

/// How a style transfer weighs its terms: the one place that decision is made.
///
/// | variant | α, β, γ | when |
/// |---|---|---|
/// | [`Balanced`](Self::Balanced) (default) | `1`, `style · S_c / S_s`, `tv · S_c / S_tv`, per image size | a transfer: looks alike at every size and input convention |
/// | [`Fixed`](Self::Fixed) | as given | docs/maths.md's formulas exactly; the reconstructions |
///
/// ```
/// use impasto_loss::{LossWeights, TermScales, TermWeights};
///
/// // "More paint": twice the default style strength, still size-independent.
/// let weights = LossWeights::balanced(60.0);
/// let scales = TermScales { content: 2.0e6, style: 4.0e-2, tv: 1.0e3 };
/// let resolved = weights.resolve(Some(&scales))?;
/// assert_eq!(resolved, TermWeights { content: 1.0, style: 60.0 * 2.0e6 / 4.0e-2, tv: 0.5 * 2.0e6 / 1.0e3 });
///
/// // Fixed weights are used as they are, whatever the scales.
/// let fixed = LossWeights::Fixed { content: 1.0, style: 1e6, tv: 0.0 };
/// assert_eq!(fixed.resolve(Some(&scales))?, TermWeights { content: 1.0, style: 1e6, tv: 0.0 });
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LossWeights {
    /// Each term measured against its own scale (see the module docs).
    Balanced {
        /// The style term's weight relative to the content term's, each over its scale:
        /// higher paints more strongly. Default [`DEFAULT_STYLE_STRENGTH`]; finite, ≥ 0.
        style: f64,
        /// The total variation's weight relative to the content term's, each over its
        /// scale: higher smooths more. Default [`DEFAULT_TV_STRENGTH`]; finite, ≥ 0.
        tv: f64,
    },
    /// α, β, γ used as given.
    Fixed {
        /// α, the content loss's weight. Finite, ≥ 0.
        content: f64,
        /// β, the style loss's weight. Finite, ≥ 0.
        style: f64,
        /// γ, the total variation's weight. Finite, ≥ 0.
        tv: f64,
    },
}

impl Default for LossWeights {
    fn default() -> Self {
        Self::BALANCED
    }
}

/// α, β and γ as a run uses them, at one image size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TermWeights {
    /// α.
    pub content: f64,
    /// β.
    pub style: f64,
    /// γ.
    pub tv: f64,
}

/// The scales a balance measures the terms against (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TermScales {
    /// `S_c`, the content loss of an image with no features.
    pub content: f64,
    /// `S_s`, the style loss of an image with no features.
    pub style: f64,
    /// `S_tv`, the content image's total variation (at least one 8-bit step per pixel
    /// difference).
    pub tv: f64,
}

impl LossWeights {
    /// The default balance: [`DEFAULT_STYLE_STRENGTH`] and [`DEFAULT_TV_STRENGTH`].
    pub const BALANCED: LossWeights = LossWeights::Balanced {
        style: DEFAULT_STYLE_STRENGTH,
        tv: DEFAULT_TV_STRENGTH,
    };

    /// The fixed weights of [`TotalLossConfig`](crate::TotalLossConfig)'s defaults:
    /// α = 1, β = 10⁷, γ = 10³ (docs/maths.md derives them at 512 × 512 px).
    pub const FIXED: LossWeights = LossWeights::Fixed {
        content: DEFAULT_CONTENT_WEIGHT,
        style: DEFAULT_STYLE_WEIGHT,
        tv: DEFAULT_TV_WEIGHT,
    };

    /// A balance with this style strength and the default total-variation strength.
    pub const fn balanced(style: f64) -> Self {
        LossWeights::Balanced {
            style,
            tv: DEFAULT_TV_STRENGTH,
        }
    }

    /// Whether the weights are set from the terms' scales.
    pub const fn is_balanced(&self) -> bool {
        matches!(self, LossWeights::Balanced { .. })
    }

    /// Checks every number.
    ///
    /// # Errors
    /// [`LossError::NegativeWeight`] or [`LossError::NonFiniteWeight`], naming the value
    /// (`style_strength`, `tv_strength`, `content_weight`, `style_weight`, `tv_weight`).
    pub fn validate(&self) -> Result<(), LossError> {
        match *self {
            LossWeights::Balanced { style, tv } => {
                check_weight(|| "style_strength".into(), style)?;
                check_weight(|| "tv_strength".into(), tv)
            }
            LossWeights::Fixed { content, style, tv } => {
                check_weight(|| "content_weight".into(), content)?;
                check_weight(|| "style_weight".into(), style)?;
                check_weight(|| "tv_weight".into(), tv)
            }
        }
    }

    /// α, β, γ for terms of these `scales`: a balance's from the scales, fixed weights as
    /// they are.
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate); [`LossError::NoScale`] for a balance
    /// without scales (a loss with no content or no style term has nothing to balance).
    pub fn resolve(&self, scales: Option<&TermScales>) -> Result<TermWeights, LossError> {
        self.validate()?;
        Ok(match (*self, scales) {
            (LossWeights::Fixed { content, style, tv }, _) => TermWeights { content, style, tv },
            (LossWeights::Balanced { style, tv }, Some(s)) => TermWeights {
                content: 1.0,
                style: style * s.content / s.style,
                tv: tv * s.content / s.tv,
            },
            (LossWeights::Balanced { .. }, None) => {
                return Err(LossError::NoScale {
                    term: Term::Style,
                    value: 0.0,
                });
            }
        })
    }

    /// The coefficient λ_t of a temporal term of weight `weight`: under a balance `weight`
    /// is ρ_t, relative to the content term's scale (`λ_t = α ρ_t S_c`, so it means the
    /// same at every size); with fixed weights it is λ_t itself.
    pub fn temporal_coefficient(&self, weight: f64, scales: Option<&TermScales>) -> f64 {
        match (self, scales) {
            (LossWeights::Balanced { .. }, Some(s)) => weight * s.content,
            _ => weight,
        }
    }
}

/// The three scales of a transfer whose loss has these layers and targets, computed with
/// the loss's own functions: one small read from the device. `content` is the photo at
/// the working size, `[1, 3, H, W]`; `style_layer_weights` the `w_l` in effect, one per
/// style layer.
///
/// # Errors
/// [`LossError::NoScale`] when the content or style scale is 0 or not finite (a black
/// photo, or style layer weights all 0): a balance cannot measure against it. Errors of
/// the loss functions and the device read.
pub fn term_scales(
    content_layers: &[VggLayer],
    style_layers: &[VggLayer],
    style_layer_weights: &[f64],
    content_targets: &ContentTargets,
    style_targets: &StyleTargets,
    content: &Tensor<4>,
) -> Result<TermScales, LossError> {
    let targets = content_layers
        .iter()
        .filter_map(|&l| content_targets.get(l));
    let content_scale = content_loss(targets.map(|p| (p.zeros_like(), p.clone())))?;
    let mut per_layer = Vec::with_capacity(style_layers.len());
    for &layer in style_layers {
        // E_l(G = 0) = ‖A‖² / (4 N² M²) is the same for every M: take M = 1.
        per_layer.push(style_targets.black_image_loss(layer)?);
    }
    let style_scale = style_loss(per_layer, Some(style_layer_weights))?;
    let tv_scale = total_variation(content.clone());
    let values =
        Tensor::cat(vec![content_scale, style_scale, tv_scale], 0).try_into_vec_as::<f64>()?;
    let [content_value, style_value, tv_value] = [values[0], values[1], values[2]];
    for (term, value) in [(Term::Content, content_value), (Term::Style, style_value)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(LossError::NoScale { term, value });
        }
    }
    // A flat photo has no total variation: measure against one 8-bit step per difference
    // at the least, so that γ stays finite.
    let [_, channels, height, width] = content.dims();
    let differences =
        channels * (height.saturating_sub(1) * width + height * width.saturating_sub(1));
    let floor = differences.max(1) as f64 / (255.0 * 255.0);
    Ok(TermScales {
        content: content_value,
        style: style_value,
        tv: tv_value.max(floor),
    })
}

#[cfg(test)]
#[path = "weights_tests.rs"]
mod tests;
