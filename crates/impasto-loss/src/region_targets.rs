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
use std::ops::Range;

use burn::tensor::Tensor;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use impasto_vgg::VggLayer;

use crate::gram::gram_for_symmetric_loss;
use crate::tiles::LayerWindow;
use crate::{LossError, style_layer_loss_over};

/// A region's mask at one layer, cut to the rows and columns where it is not black: a
/// region's Gram matrix is summed over those positions only (the others add zeros), so
/// two halves cost one whole image's Gram, not two.
#[derive(Debug, Clone)]
pub(crate) struct LayerMask {
    /// The mask inside its bounding box, `[1, 1, rows, columns]`.
    mask: Tensor<4>,
    /// Its mass `Σ m²` (over the whole layer: nothing outside the box).
    mass: f64,
    /// The box's rows and columns in the layer.
    rows: Range<usize>,
    columns: Range<usize>,
    /// The layer's `[H_l, W_l]`.
    size: [usize; 2],
    /// The style's target for this region, `mass · Â_l`, made once, not per evaluation.
    target: Tensor<3>,
}

impl LayerMask {
    /// `mask` (`[1, 1, H_l, W_l]`) cut to its bounding box, with the style's Gram per
    /// position `per_position` scaled to its mass; `None` if it is black. One read of the
    /// mask.
    fn new(mask: Tensor<4>, per_position: &Tensor<3>) -> Result<Option<Self>, LossError> {
        let [_, _, height, width] = mask.dims();
        let values = mask.clone().try_into_vec_as::<f64>()?;
        let (mut rows, mut columns) = (height..0, width..0);
        let mut mass = 0.0;
        for (k, &m) in values.iter().enumerate() {
            if m != 0.0 {
                let (row, column) = (k / width, k % width);
                rows = rows.start.min(row)..rows.end.max(row + 1);
                columns = columns.start.min(column)..columns.end.max(column + 1);
                mass += m * m;
            }
        }
        if rows.is_empty() || !(mass.is_finite() && mass > 0.0) {
            return Ok(None);
        }
        let cut = if rows.len() == height && columns.len() == width {
            mask
        } else {
            mask.slice([0..1, 0..1, rows.clone(), columns.clone()])
        };
        Ok(Some(Self {
            mask: cut,
            mass,
            rows,
            columns,
            size: [height, width],
            target: per_position.clone().mul_scalar(mass),
        }))
    }
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
        for (&layer, per_position) in &grams_per_position {
            while halvings < layer.downsamplings() {
                let [_, _, h, w] = at_pixels.dims();
                if h < 2 || w < 2 {
                    return Err(LossError::EmptyRegion { index, layer });
                }
                at_pixels = avg_pool2d(at_pixels, AvgPoolOptions::new([2, 2]));
                halvings += 1;
            }
            let Some(cut) = LayerMask::new(at_pixels.clone(), per_position)? else {
                return Err(LossError::EmptyRegion { index, layer });
            };
            masks.insert(layer, cut);
        }
        Ok(Self {
            weight,
            blend,
            grams_per_position,
            masks,
        })
    }

    /// The layer's mask, cut to its bounding box.
    fn layer_mask(&self, layer: VggLayer) -> Result<&LayerMask, LossError> {
        self.masks.get(&layer).ok_or(LossError::MissingTarget {
            term: crate::Term::Style,
            layer,
        })
    }

    /// `Ok` if a map of `size` = `[height, width]` at `layer` is the mask's size.
    ///
    /// # Errors
    /// [`LossError::ShapeMismatch`] if it is not (an image of another size than the masks
    /// were made for); [`LossError::MissingTarget`] for a layer without a mask.
    pub(crate) fn check_size(&self, layer: VggLayer, size: [usize; 2]) -> Result<(), LossError> {
        let mask = self.layer_mask(layer)?;
        if mask.size != size {
            return Err(LossError::ShapeMismatch {
                what: "region mask (the image's size)",
                expected: vec![1, 1, size[0], size[1]],
                found: vec![1, 1, mask.size[0], mask.size[1]],
            });
        }
        Ok(())
    }

    /// `G(F ⊙ m)` over the positions of `window` at `layer` (the whole map, or one tile's
    /// core), `None` where the region has none of them. `features` is the map that
    /// `window.local` indexes. The region's Grams over disjoint windows add up to its Gram
    /// over their union.
    ///
    /// # Errors
    /// [`LossError::MissingTarget`] for a layer without a mask.
    pub(crate) fn partial_gram(
        &self,
        layer: VggLayer,
        features: Tensor<4>,
        window: &LayerWindow,
    ) -> Result<Option<Tensor<3>>, LossError> {
        let cut = self.layer_mask(layer)?;
        let overlap = |bbox: &Range<usize>, global: &Range<usize>| {
            bbox.start.max(global.start)..bbox.end.min(global.end)
        };
        let rows = overlap(&cut.rows, &window.global[0]);
        let columns = overlap(&cut.columns, &window.global[1]);
        if rows.is_empty() || columns.is_empty() {
            return Ok(None);
        }
        let [batch, channels, height, width] = features.dims();
        let shift =
            |r: &Range<usize>, from: usize, to: usize| r.start - from + to..r.end - from + to;
        let local_rows = shift(&rows, window.global[0].start, window.local[0].start);
        let local_columns = shift(&columns, window.global[1].start, window.local[1].start);
        let inside = if local_rows == (0..height) && local_columns == (0..width) {
            features
        } else {
            features.slice([0..batch, 0..channels, local_rows, local_columns])
        };
        let [_, _, mask_height, mask_width] = cut.mask.dims();
        let mask_rows = shift(&rows, cut.rows.start, 0);
        let mask_columns = shift(&columns, cut.columns.start, 0);
        let mask = if mask_rows == (0..mask_height) && mask_columns == (0..mask_width) {
            cut.mask.clone()
        } else {
            cut.mask
                .clone()
                .slice([0..1, 0..1, mask_rows, mask_columns])
        };
        // E_l is symmetric in G, so the one-product backward applies, as for the plain Gram.
        Ok(Some(gram_for_symmetric_loss(inside * mask)))
    }

    /// This region's share of `E_l` from its Gram `G(F ⊙ m)` over the whole image, whose
    /// map at `layer` has `positions` positions: `r ‖G − mass Â‖² / (4 N² mass M)` (see
    /// the module docs).
    ///
    /// # Errors
    /// [`LossError::MissingTarget`] for a layer without a mask; those of
    /// [`style_layer_loss_over`].
    pub(crate) fn loss_of_gram(
        &self,
        layer: VggLayer,
        gram: Tensor<3>,
        positions: usize,
    ) -> Result<Tensor<1>, LossError> {
        let cut = self.layer_mask(layer)?;
        let share = self.weight * cut.mass / positions as f64;
        Ok(style_layer_loss_over(gram, cut.target.clone(), cut.mass)?.mul_scalar(share))
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

    /// The style's own scale, `Σ_l w_l ‖Â_il‖² / (4 N_l²)`, unread: the loss of a black
    /// image under a white mask, without the blend weight.
    pub(crate) fn own_scale(
        &self,
        layer_weights: &[(VggLayer, f64)],
    ) -> Result<Tensor<1>, LossError> {
        let mut sum: Option<Tensor<1>> = None;
        for &(layer, w) in layer_weights {
            let target = self
                .grams_per_position
                .get(&layer)
                .ok_or(LossError::MissingTarget {
                    term: crate::Term::Style,
                    layer,
                })?;
            let e = style_layer_loss_over(target.zeros_like(), target.clone(), 1.0)?.mul_scalar(w);
            sum = Some(match sum {
                Some(s) => s + e,
                None => e,
            });
        }
        sum.ok_or(LossError::EmptyLayers {
            term: crate::Term::Style,
        })
    }

    /// Multiplies the region's weight `r_i` by `factor`.
    pub(crate) fn scale_weight(&mut self, factor: f64) {
        self.weight *= factor;
    }

    /// `k_i`, the region's blend weight, normalised.
    pub(crate) fn blend(&self) -> f64 {
        self.blend
    }

    /// The layers held, in network order.
    pub(crate) fn layers(&self) -> impl Iterator<Item = VggLayer> + '_ {
        self.grams_per_position.keys().copied()
    }
}

#[cfg(test)]
#[path = "region_targets_tests.rs"]
mod tests;
