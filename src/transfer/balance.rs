//! Loss weights that keep the same balance at every image size and for either input
//! convention: each term measured against its own scale.

use burn::tensor::Tensor;
use impasto_loss::{
    ContentTargets, StyleTargets, TotalLossConfig, content_loss, style_layer_loss, style_loss,
    total_variation,
};
use serde::{Deserialize, Serialize};

use crate::ImpastoError;

/// How a transfer weighs its three terms, unless the weights are given explicitly
/// ([`StyleTransfer::with_loss`](crate::StyleTransfer::with_loss)).
///
/// With α, β, γ fixed, the balance of `L = α L_c + β L_s + γ L_tv` moves with the image:
/// `L_c` sums over the photo's feature positions and grows with its area, `L_s` does not,
/// and with caffe-convention weights features are ~58× larger, so `L_c` grows by 58² and
/// `L_s` by 58⁴ (docs/maths.md). A balance instead measures each term against its
/// **scale**, the value it has for an image with no features or no detail:
///
/// - `S_c = L_c(F = 0) = ½ Σ_l ‖P^l‖²`, the content loss of a black feature map;
/// - `S_s = L_s(G = 0) = Σ_l w_l ‖A^l‖² / (4 N_l² M_l²)`, the style loss of a black one
///   (it does not depend on the image's size: `A^l` grows with `M_l`);
/// - `S_tv = L_tv(content)`, the photo's own total variation at the working size.
///
/// and sets `β = α · style · S_c / S_s` and `γ = α · tv · S_c / S_tv`, α as configured
/// (default 1). The loss is then `α S_c (L_c/S_c + style · L_s/S_s + tv · L_tv/S_tv)`:
/// three ratios that mean the same at every size, in the content term's units. The
/// resolved α, β, γ and the scales are in the run report.
///
/// A balance needs a content and a style term; the reconstructions, which have one,
/// use their weights as configured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// The style term's weight, relative to the content term's, each over its scale.
    /// Default [`Balance::DEFAULT`]'s; finite, ≥ 0.
    pub style: f64,
    /// The total variation's weight, relative to the content term's, each over its scale.
    /// Default [`Balance::DEFAULT`]'s; finite, ≥ 0.
    pub tv: f64,
}

impl Default for Balance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The scales a [`Balance`] measures the terms against, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TermScales {
    /// `S_c`, the content loss of an image with no features.
    pub content: f64,
    /// `S_s`, the style loss of an image with no features.
    pub style: f64,
    /// `S_tv`, the content image's total variation.
    pub tv: f64,
}

impl Balance {
    /// The defaults, chosen by looking at results made with trained VGG16 weights on the
    /// shared photo × painting pairs at 256 and 512 px (docs/benchmarks.md, "Balance
    /// across sizes", has the figures and what is still open). For reference, the fixed
    /// weights α = 1, β = 10⁷, γ = 10³ at 512 px correspond to `style` between 39 and 373
    /// and `tv` between 0.37 and 0.75 on those pairs.
    pub const DEFAULT: Balance = Balance {
        style: 30.0,
        tv: 0.5,
    };

    /// Checks both ratios.
    pub(crate) fn validate(&self) -> Result<(), ImpastoError> {
        for (name, value) in [("balance.style", self.style), ("balance.tv", self.tv)] {
            if !value.is_finite() || value < 0.0 {
                return Err(ImpastoError::InvalidSetting {
                    setting: name,
                    reason: format!("must be finite and ≥ 0, got {value}"),
                });
            }
        }
        Ok(())
    }

    /// `config` with β and γ set by this balance for these targets and the content image
    /// `content` (`[1, 3, H, W]`, at the working size), and the scales used. One small
    /// read from the device.
    pub(crate) fn resolve(
        &self,
        config: TotalLossConfig,
        content_targets: &ContentTargets,
        style_targets: &StyleTargets,
        content: &Tensor<4>,
    ) -> Result<(TotalLossConfig, TermScales), ImpastoError> {
        let scales = scales(&config, content_targets, style_targets, content)?;
        let alpha = config.content_weight;
        let beta = alpha * self.style * scales.content / scales.style;
        let gamma = alpha * self.tv * scales.content / scales.tv;
        let config = config.with_style_weight(beta).with_tv_weight(gamma);
        Ok((config, scales))
    }
}

/// The three scales of a transfer, each computed with the loss's own functions.
fn scales(
    config: &TotalLossConfig,
    content_targets: &ContentTargets,
    style_targets: &StyleTargets,
    content: &Tensor<4>,
) -> Result<TermScales, ImpastoError> {
    let targets = config
        .content_layers
        .iter()
        .filter_map(|&l| content_targets.get(l));
    let content_scale = content_loss(targets.map(|p| (p.zeros_like(), p.clone())))?;
    let mut per_layer = Vec::with_capacity(config.style_layers.len());
    for &layer in &config.style_layers {
        // E_l(G = 0) = ‖A‖² / (4 N² M²) is the same for every M: take M = 1.
        let Some(target) = style_targets.gram(layer, 1) else {
            continue;
        };
        per_layer.push(style_layer_loss(target.zeros_like(), target, 1)?);
    }
    let weights = config.resolved_style_layer_weights();
    let style_scale = style_loss(per_layer, Some(&weights))?;
    let tv_scale = total_variation(content.clone());
    let values = Tensor::cat(vec![content_scale, style_scale, tv_scale], 0)
        .try_into_vec_as::<f64>()
        .map_err(impasto_loss::LossError::from)?;
    let [content_value, style_value, tv_value] = [values[0], values[1], values[2]];
    for (term, value) in [("content", content_value), ("style", style_value)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(ImpastoError::NothingToBalance { term, value });
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
mod tests {
    use burn::tensor::{Device, Tensor};
    use impasto_loss::{ContentTargets, StyleTargets, TotalLossConfig};
    use impasto_vgg::{Vgg, VggConfig, VggLayer};

    use super::{Balance, scales};
    use crate::ImpastoError;

    fn host(t: Tensor<4>) -> Vec<f64> {
        t.try_into_vec_as::<f64>().unwrap()
    }

    /// A seeded image `[1, 3, h, w]` in [0, 1].
    fn image(h: usize, w: usize, seed: u64, device: &Device) -> Tensor<4> {
        let values = impasto_vgg::portable_rng::uniform(seed, 3 * h * w, 0.0, 1.0);
        Tensor::<1>::from_floats(values.as_slice(), device).reshape([1, 3, h, w])
    }

    fn setup(
        content: &Tensor<4>,
        style: &Tensor<4>,
    ) -> (Vgg, TotalLossConfig, ContentTargets, StyleTargets) {
        let device = Device::flex();
        let config = TotalLossConfig::new()
            .with_content_layers(vec![VggLayer::Relu2_2])
            .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Relu2_1])
            .with_style_layer_weights(Some(vec![0.25, 0.75]));
        let vgg = VggConfig::new()
            .with_seed(5)
            .with_last_layer(Some(VggLayer::Relu2_2))
            .init(&device);
        let c = ContentTargets::new(&vgg, content.clone(), &config.content_layers).unwrap();
        let s = StyleTargets::new(&vgg, &[(style.clone(), 1.0)], &config.style_layers).unwrap();
        (vgg, config, c, s)
    }

    /// The scales against sums made on the host from the targets' values and the pixels.
    #[test]
    fn scales_are_the_terms_of_a_featureless_image_and_the_photos_variation() {
        let device = Device::flex();
        let (content, style) = (image(12, 16, 1, &device), image(20, 10, 2, &device));
        let (_, config, c, s) = setup(&content, &style);
        let got = scales(&config, &c, &s, &content).unwrap();

        let p = host(c.get(VggLayer::Relu2_2).unwrap().clone());
        let content_scale = 0.5 * p.iter().map(|v| v * v).sum::<f64>();
        let mut style_scale = 0.0;
        for (layer, w) in [(VggLayer::Relu1_1, 0.25), (VggLayer::Relu2_1, 0.75)] {
            // A per position: the scale must not depend on M.
            let a = s.gram(layer, 7).unwrap();
            let n = a.dims()[1] as f64;
            let a = a.try_into_vec_as::<f64>().unwrap();
            style_scale += w * a.iter().map(|v| v * v).sum::<f64>() / (4.0 * n * n * 49.0);
        }
        let x = host(content.clone());
        let (h, w) = (12, 16);
        let mut tv = 0.0;
        for ch in 0..3 {
            for i in 0..h {
                for j in 0..w {
                    let at = |i: usize, j: usize| x[(ch * h + i) * w + j];
                    if i + 1 < h {
                        tv += (at(i + 1, j) - at(i, j)).powi(2);
                    }
                    if j + 1 < w {
                        tv += (at(i, j + 1) - at(i, j)).powi(2);
                    }
                }
            }
        }
        for (name, got, want) in [
            ("content", got.content, content_scale),
            ("style", got.style, style_scale),
            ("tv", got.tv, tv),
        ] {
            assert!((got - want).abs() <= 1e-5 * want, "{name}: {got} vs {want}");
        }
    }

    #[test]
    fn the_balance_sets_beta_and_gamma_from_alpha_and_the_scales() {
        let device = Device::flex();
        let (content, style) = (image(16, 16, 3, &device), image(16, 16, 4, &device));
        let (_, config, c, s) = setup(&content, &style);
        let config = config.with_content_weight(2.0).with_style_weight(-1.0);
        let balance = Balance {
            style: 3.0,
            tv: 0.5,
        };
        let (resolved, sc) = balance.resolve(config, &c, &s, &content).unwrap();
        assert_eq!(resolved.content_weight, 2.0);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert!(close(
            resolved.style_weight,
            2.0 * 3.0 * sc.content / sc.style
        ));
        assert!(close(resolved.tv_weight, 2.0 * 0.5 * sc.content / sc.tv));
        assert!(
            Balance {
                style: f64::NAN,
                tv: 1.0
            }
            .validate()
            .is_err()
        );
        assert!(
            Balance {
                style: 1.0,
                tv: -1.0
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn a_flat_photo_has_a_floor_and_a_style_of_weight_zero_is_refused() {
        let device = Device::flex();
        let flat = Tensor::<4>::full([1, 3, 8, 8], 0.5, &device);
        let (_, config, c, s) = setup(&flat, &image(8, 8, 6, &device));
        // No variation: one 8-bit step per difference, 3 · 2 · 8 · 7 of them.
        let sc = scales(&config, &c, &s, &flat).unwrap();
        assert!((sc.tv - 336.0 / 65025.0).abs() < 1e-12, "{}", sc.tv);
        // Layer weights all 0: the style term has no scale to measure against.
        let silent = config.with_style_layer_weights(Some(vec![0.0, 0.0]));
        let error = scales(&silent, &c, &s, &flat).unwrap_err();
        assert!(
            matches!(error, ImpastoError::NothingToBalance { term: "style", value } if value == 0.0),
            "{error:?}"
        );
        assert!(error.to_string().contains("--style-weight"), "{error}");
    }
}
