//! Style targets confined to regions of the optimised image (Gatys et al. 2017, spatial
//! control): each style image's Gram matrices with the mask of the region it paints,
//! brought to every style layer's size.
//!
//! # The loss of a region
//!
//! For style `i` with blend weight `k_i` (normalised to sum 1 over `n` styles) and mask
//! `m_i` at layer `l` (`mass_il = Σ m²`, `M_l` the layer's positions), the layer's loss is
//!
//! `E_l = Σ_i r_i · ‖G(F ⊙ m_i) − mass_il Â_il‖² / (4 N_l² mass_il M_l)`, `r_i = n k_i`,
//!
//! where `Â_il` is the style's Gram per position. That is the region's loss normalised by
//! its own mass ([`region_style_layer_loss`](crate::region_style_layer_loss)), weighed by
//! the fraction `mass_il / M_l` of the image it covers: the gradient at a position is then
//! `m²` times what a plain run of that style gives there, whatever the region's size, so
//! a style painted on a small region is not painted harder than on a large one. With one
//! style and an all-white mask `E_l` is the plain layer loss to the bit; with equal blend
//! weights every region weighs `r_i = 1`, and `--style-blend` makes one region's style
//! stronger than another's (their mean stays 1).
//!
//! # The mask at each layer
//!
//! The mask is propagated through the network's downsampling: averaged over 2×2 blocks
//! (stride 2, the odd last row or column dropped as the network's pooling drops it) once
//! per pooling before the layer, so it has the layer's size exactly and a position's
//! weight is the fraction of its block the region covers. The convolutions do not change
//! the size and are not followed: a 3×3 convolution widens the receptive field by a pixel
//! either side, which the coarse layers' pooling dominates.

use std::collections::BTreeMap;

use burn::tensor::Tensor;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use impasto_vgg::VggLayer;

use crate::gram::gram_for_symmetric_loss;
use crate::{LossError, region_mass, style_layer_loss_over};

/// A region's mask at one layer: `[1, 1, H_l, W_l]`, and its mass `Σ m²`.
#[derive(Debug, Clone)]
pub(crate) struct LayerMask {
    mask: Tensor<4>,
    mass: f64,
}

/// One style image's targets and the region it paints.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// `r_i = n k_i`: the region's weight in the style loss.
    weight: f64,
    /// `k_i`, normalised: the region's share of the balance's scale.
    blend: f64,
    /// `Â_il`, the style's Gram per position, `[1, N_l, N_l]`.
    grams_per_position: BTreeMap<VggLayer, Tensor<3>>,
    masks: BTreeMap<VggLayer, LayerMask>,
}

impl Region {
    /// The region of style `index`: its Grams per position (already computed), its
    /// `mask` (`[1, 1, H, W]` at the optimised image's size) propagated to each layer.
    ///
    /// # Errors
    /// [`LossError::ShapeMismatch`] for a mask that is not one channel,
    /// [`LossError::EmptyRegion`] if the mask covers no position at one of the layers.
    pub(crate) fn new(
        index: usize,
        (weight, blend): (f64, f64),
        grams_per_position: BTreeMap<VggLayer, Tensor<3>>,
        mask: Tensor<4>,
    ) -> Result<Self, LossError> {
        let [batch, channels, height, width] = mask.dims();
        if batch != 1 || channels != 1 {
            return Err(LossError::ShapeMismatch {
                what: "region mask (one channel at the image's size)",
                expected: vec![1, 1, height, width],
                found: mask.dims().to_vec(),
            });
        }
        // Masks are constants of the loss: never part of a gradient.
        let mut at_pixels = mask.inner();
        let mut halvings = 0;
        let mut masks = BTreeMap::new();
        for &layer in grams_per_position.keys() {
            while halvings < layer.downsamplings() {
                let [_, _, h, w] = at_pixels.dims();
                if h < 2 || w < 2 {
                    return Err(LossError::EmptyRegion { index, layer });
                }
                at_pixels = avg_pool2d(at_pixels, AvgPoolOptions::new([2, 2]));
                halvings += 1;
            }
            let mass = region_mass(&at_pixels);
            if !(mass.is_finite() && mass > 0.0) {
                return Err(LossError::EmptyRegion { index, layer });
            }
            masks.insert(
                layer,
                LayerMask {
                    mask: at_pixels.clone(),
                    mass,
                },
            );
        }
        Ok(Self {
            weight,
            blend,
            grams_per_position,
            masks,
        })
    }

    /// This region's share of `E_l` for the optimised image's features `f` at `layer`:
    /// `r ‖G(F ⊙ m) − mass Â‖² / (4 N² mass M)` (see the module docs).
    ///
    /// # Errors
    /// [`LossError::ShapeMismatch`] if the features are not the mask's size (an image of
    /// another size than the masks were made for).
    pub(crate) fn layer_loss(
        &self,
        layer: VggLayer,
        features: Tensor<4>,
    ) -> Option<Result<Tensor<1>, LossError>> {
        let target = self.grams_per_position.get(&layer)?;
        let LayerMask { mask, mass } = self.masks.get(&layer)?;
        let [batch, _, height, width] = features.dims();
        if mask.dims()[2..] != [height, width] {
            return Some(Err(LossError::ShapeMismatch {
                what: "region mask (the image's size)",
                expected: vec![batch, 1, height, width],
                found: mask.dims().to_vec(),
            }));
        }
        let positions = (height * width) as f64;
        // E_l is symmetric in G, so the one-product backward applies, as for the plain Gram.
        let g = gram_for_symmetric_loss(features * mask.clone());
        let target = target.clone().mul_scalar(*mass);
        Some(
            style_layer_loss_over(g, target, *mass)
                .map(|e| e.mul_scalar(self.weight * mass / positions)),
        )
    }

    /// The region's share of the balance's style scale at `layer`: `k_i ‖Â_il‖² /
    /// (4 N_l²)`, the loss of a black image (`G = 0`) as if the mask were white, so that
    /// the balance gives a region the strength a plain run of its style has.
    pub(crate) fn black_image_loss(&self, layer: VggLayer) -> Option<Result<Tensor<1>, LossError>> {
        let target = self.grams_per_position.get(&layer)?;
        Some(
            style_layer_loss_over(target.zeros_like(), target.clone(), 1.0)
                .map(|e| e.mul_scalar(self.blend)),
        )
    }

    /// The layers held, in network order.
    pub(crate) fn layers(&self) -> impl Iterator<Item = VggLayer> + '_ {
        self.grams_per_position.keys().copied()
    }
}

#[cfg(test)]
#[path = "region_targets_tests.rs"]
mod tests;
