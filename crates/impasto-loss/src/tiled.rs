//! The loss and its pixel gradient tile by tile, with the memory of one tile's forward
//! and backward pass instead of the whole image's, and the targets computed the same way.
//!
//! # Why it is exact
//!
//! Every term is a sum over positions, or a function of such sums:
//!
//! - the content loss `½ Σ (F − P)²` is the sum of each tile core's;
//! - each style layer's Gram `G = Σ_p F_p F_pᵀ` (a region's `Σ_p m_p² F_p F_pᵀ`) is the sum
//!   of the cores' Grams, and `E_l` is a function of `G` alone;
//! - total variation is a sum over pairs of neighbouring pixels: each tile takes the pairs
//!   whose first pixel is in its core (the second is in its halo, or the image ends).
//!
//! So a first pass runs the network forward over each tile without autodiff and adds up
//! the cores' Grams and content errors. The style loss is then a function of a few small
//! matrices, differentiated on its own: `D_l = ∂(β Σ_l w_l E_l) / ∂G_l`. A second pass
//! runs each tile forward and backward on the surrogate `Σ_l ⟨D_l, G_l(core)⟩ + α L_c(core)`,
//! whose gradient is exactly the tile's share of the whole loss's (the chain rule through
//! `G_l = Σ_tiles G_l(core)`), and adds the tile's input gradient, halo included, into
//! the image's. The features of a core are the whole image's when the halo is
//! [`halo`]'s (see [`tiles`](crate::tiles)); tests compare both ways to 1e-5.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::Tensor;
use impasto_vgg::{Vgg, VggLayer};

use crate::reduce::sum_by_dims;
use crate::tile_features::{add, for_each_tile};
use crate::tiles::{LayerWindow, Tile, TileGrid, alignment, halo};
use crate::{
    ContentTargets, LossError, LossEvaluation, Term, TotalLoss, content_layer_loss, style_loss,
};

impl TotalLoss {
    /// The grid an image of `size` = `[height, width]` is cut into for
    /// [`evaluate_tiled`](Self::evaluate_tiled) with cores of `core` pixels: the exact
    /// halo of this loss's deepest layer on `vgg`.
    ///
    /// # Errors
    /// [`LossError::TileSize`] if `core` is not a positive multiple of the deepest layer's
    /// stride (16 pixels for relu5_1).
    pub fn tile_grid(
        &self,
        vgg: &Vgg,
        size: [usize; 2],
        core: usize,
    ) -> Result<TileGrid, LossError> {
        let layers = self.layers();
        TileGrid::new(size, core, halo(vgg.layers(), layers), alignment(layers))
    }

    /// The loss of `image` and its pixel gradient, tile by tile over `grid`: the same
    /// values as [`evaluate`](Self::evaluate) and a backward pass (to float rounding,
    /// with the halo of [`tile_grid`](Self::tile_grid)), in the memory of the largest
    /// tile plus a few image-sized buffers. It costs one more forward pass per tile
    /// (module docs), so use it when the whole image does not fit.
    ///
    /// `vgg` is the network on an autodiff device, as for [`evaluate`](Self::evaluate);
    /// `image` may be on either. The evaluation returned holds no graph.
    ///
    /// # Errors
    /// [`LossError::ShapeMismatch`] if the grid, a content target or a region mask is of
    /// another size than `image`; those of [`evaluate`](Self::evaluate).
    pub fn evaluate_tiled(
        &self,
        vgg: &Vgg,
        image: Tensor<4>,
        grid: &TileGrid,
    ) -> Result<(LossEvaluation, Tensor<4>), LossError> {
        let image = image.inner();
        let [batch, channels, height, width] = image.dims();
        if grid.size() != [height, width] {
            return Err(LossError::ShapeMismatch {
                what: "tile grid (the image's size)",
                expected: vec![height, width],
                found: grid.size().to_vec(),
            });
        }
        let config = self.config();
        let size_at = |l: VggLayer| [height >> l.downsamplings(), width >> l.downsamplings()];
        self.check_sizes(&size_at)?;
        let plain = vgg.valid();

        // Pass 1: the whole image's Grams and content loss, without autodiff.
        let mut grams: BTreeMap<VggLayer, Vec<Option<Tensor<3>>>> = BTreeMap::new();
        let mut content: Option<Tensor<1>> = None;
        for_each_tile(&plain, &image, grid, self.layers(), |features| {
            for (layer, (f, window)) in features {
                if let Some(targets) = self.style_targets()
                    && config.style_layers.contains(&layer)
                {
                    let partial = targets.partial_grams(layer, f.clone(), &window)?;
                    let sums = grams
                        .entry(layer)
                        .or_insert_with(|| vec![None; partial.len()]);
                    for (sum, g) in sums.iter_mut().zip(partial) {
                        *sum = add(sum.take(), g);
                    }
                }
                if let Some(targets) = self.content_targets()
                    && config.content_layers.contains(&layer)
                {
                    content = add(
                        content.take(),
                        core_content_loss(targets, layer, &f, &window)?,
                    );
                }
            }
            Ok(())
        })?;

        // The style loss of the whole Grams, and D_l = ∂(β L_s)/∂G_l for pass 2.
        let mut directions: BTreeMap<VggLayer, Vec<Tensor<3>>> = BTreeMap::new();
        let style = match self.style_targets() {
            Some(targets) => {
                let mut per_layer = Vec::with_capacity(config.style_layers.len());
                for &layer in &config.style_layers {
                    let leaves: Vec<Tensor<3>> = grams
                        .remove(&layer)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|g| {
                            g.ok_or(LossError::NoPositions)
                                .map(|g| g.autodiff().require_grad())
                        })
                        .collect::<Result<_, _>>()?;
                    let [h, w] = size_at(layer);
                    per_layer.push(targets.loss_of_grams(layer, leaves.clone(), h * w)?);
                    directions.insert(layer, leaves);
                }
                let total = style_loss(per_layer.clone(), Some(self.style_layer_weights()))?;
                let gradients = total.clone().mul_scalar(config.style_weight).backward();
                for leaves in directions.values_mut() {
                    for leaf in leaves.iter_mut() {
                        *leaf = leaf.grad(&gradients).expect("each Gram is a leaf of L_s");
                    }
                }
                let named = config.style_layers.iter().copied();
                Some((
                    total.inner(),
                    named
                        .zip(per_layer.into_iter().map(Tensor::inner))
                        .collect(),
                ))
            }
            None => None,
        };

        // Pass 2: each tile's share of the gradient, through the surrogate.
        let mut tv: Option<Tensor<1>> = None;
        let mut gradient = Tensor::<4>::zeros([batch, channels, height, width], &image.device());
        for tile in grid.tiles() {
            let ranges = [
                0..batch,
                0..channels,
                tile.input_rows.clone(),
                tile.input_columns.clone(),
            ];
            let input = image
                .clone()
                .slice(ranges.clone())
                .autodiff()
                .require_grad();
            let tile_tv = core_total_variation(&input, tile, [height, width]);
            tv = add(tv, tile_tv.clone().map(Tensor::inner));
            let mut surrogate = tile_tv.map(|t| t.mul_scalar(config.tv_weight));
            for (layer, f) in vgg.features(input.clone(), self.layers())? {
                let window = tile.layer_window(layer.downsamplings(), [height, width]);
                if let Some(targets) = self.style_targets()
                    && let Some(ds) = directions.get(&layer)
                {
                    let partial = targets.partial_grams(layer, f.clone(), &window)?;
                    for (g, d) in partial.into_iter().zip(ds) {
                        let term = g.map(|g| (g * d.clone()).sum());
                        surrogate = add(surrogate.take(), term);
                    }
                }
                if let Some(targets) = self.content_targets()
                    && config.content_layers.contains(&layer)
                {
                    let e = core_content_loss(targets, layer, &f, &window)?;
                    surrogate = add(
                        surrogate.take(),
                        e.map(|e| e.mul_scalar(config.content_weight)),
                    );
                }
            }
            if let Some(surrogate) = surrogate {
                let gradients = surrogate.backward();
                let share = input
                    .grad(&gradients)
                    .expect("the tile requires its gradient");
                // The slice is dropped by the sum, so the assignment writes in place.
                let sum = gradient.clone().slice(ranges.clone()) + share;
                gradient = gradient.slice_assign(ranges, sum);
            }
        }

        // An image of one pixel has no pair of neighbours.
        let tv = tv.unwrap_or_else(|| Tensor::zeros([1], &image.device()));

        let mut loss = tv.clone().mul_scalar(config.tv_weight);
        if let Some(content) = &content {
            loss = loss + content.clone().mul_scalar(config.content_weight);
        }
        if let Some((style, _)) = &style {
            loss = loss + style.clone().mul_scalar(config.style_weight);
        }
        Ok((LossEvaluation::new(loss, content, style, tv), gradient))
    }

    /// `Ok` if every content target and region mask has the size `size_at` gives for
    /// its layer.
    fn check_sizes(&self, size_at: &dyn Fn(VggLayer) -> [usize; 2]) -> Result<(), LossError> {
        let config = self.config();
        if let Some(targets) = self.content_targets() {
            for &layer in &config.content_layers {
                let target = content_target(targets, layer)?;
                let [b, c, h, w] = target.dims();
                let [eh, ew] = size_at(layer);
                if [h, w] != [eh, ew] {
                    return Err(LossError::ShapeMismatch {
                        what: "content features and their target",
                        expected: vec![b, c, h, w],
                        found: vec![b, c, eh, ew],
                    });
                }
            }
        }
        if let Some(targets) = self.style_targets() {
            for &layer in &config.style_layers {
                targets.check_map_size(layer, size_at(layer))?;
            }
        }
        Ok(())
    }
}

/// Total variation over the pairs of neighbouring pixels whose first pixel is in `tile`'s
/// core, from the tile's `input` (the core and its halo): over all tiles, each pair of
/// the image once. `None` where the core has no such pair (a one-pixel image).
fn core_total_variation(
    input: &Tensor<4>,
    tile: &Tile,
    [height, width]: [usize; 2],
) -> Option<Tensor<1>> {
    let [b, c, _, _] = input.dims();
    let (top, left) = (tile.input_rows.start, tile.input_columns.start);
    let rows = tile.rows.start - top..tile.rows.end - top;
    let columns = tile.columns.start - left..tile.columns.end - left;
    let mut sum = None;
    // Vertical pairs (r, r + 1): r in the core, r + 1 in the image.
    let last = tile.rows.end.min(height - 1) - top;
    if rows.start < last {
        let this = input
            .clone()
            .slice([0..b, 0..c, rows.start..last, columns.clone()]);
        let next = input
            .clone()
            .slice([0..b, 0..c, rows.start + 1..last + 1, columns.clone()]);
        sum = add(sum, Some(sum_by_dims((next - this).square())));
    }
    let last = tile.columns.end.min(width - 1) - left;
    if columns.start < last {
        let this = input
            .clone()
            .slice([0..b, 0..c, rows.clone(), columns.start..last]);
        let next = input
            .clone()
            .slice([0..b, 0..c, rows, columns.start + 1..last + 1]);
        sum = add(sum, Some(sum_by_dims((next - this).square())));
    }
    sum
}

fn content_target(targets: &ContentTargets, layer: VggLayer) -> Result<&Tensor<4>, LossError> {
    targets.get(layer).ok_or(LossError::MissingTarget {
        term: Term::Content,
        layer,
    })
}

/// The content loss over a tile's core at `layer`, `None` where the core has no position
/// there.
fn core_content_loss(
    targets: &ContentTargets,
    layer: VggLayer,
    features: &Tensor<4>,
    window: &LayerWindow,
) -> Result<Option<Tensor<1>>, LossError> {
    let [rows, columns] = window.local.clone();
    if rows.is_empty() || columns.is_empty() {
        return Ok(None);
    }
    let target = content_target(targets, layer)?;
    let [b, c, _, _] = features.dims();
    let [tb, tc, _, _] = target.dims();
    let [global_rows, global_columns] = window.global.clone();
    let core = features.clone().slice([0..b, 0..c, rows, columns]);
    let target = target
        .clone()
        .slice([0..tb, 0..tc, global_rows, global_columns]);
    content_layer_loss(core, target).map(Some)
}

#[cfg(test)]
#[path = "tiled_tests.rs"]
mod tests;
