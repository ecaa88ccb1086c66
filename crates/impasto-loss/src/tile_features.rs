//! The network run tile by tile without autodiff: the features of each tile's core, and
//! what the targets make of them (the whole image's features, its Grams per position).
//! [`TotalLoss::evaluate_tiled`](crate::TotalLoss::evaluate_tiled) runs its first pass
//! through [`for_each_tile`]; the tiles' geometry is in [`tiles`](crate::tiles).

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::Tensor;
use impasto_vgg::{Vgg, VggLayer};

use crate::tiles::{LayerWindow, TileGrid, alignment, halo};
use crate::{LossError, gram};

/// `a + b` of two optional partial sums.
pub(crate) fn add<const D: usize>(a: Option<Tensor<D>>, b: Option<Tensor<D>>) -> Option<Tensor<D>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Runs `vgg` (already without autodiff) over each tile of `grid` and hands `visit` each
/// layer's features with the window of the tile's core in them.
pub(crate) fn for_each_tile(
    vgg: &Vgg,
    image: &Tensor<4>,
    grid: &TileGrid,
    layers: &[VggLayer],
    mut visit: impl FnMut(BTreeMap<VggLayer, (Tensor<4>, LayerWindow)>) -> Result<(), LossError>,
) -> Result<(), LossError> {
    let [batch, channels, _, _] = image.dims();
    for tile in grid.tiles() {
        let input = image.clone().slice([
            0..batch,
            0..channels,
            tile.input_rows.clone(),
            tile.input_columns.clone(),
        ]);
        let features = vgg
            .features(input, layers)?
            .into_iter()
            .map(|(layer, f)| {
                let window = tile.layer_window(layer.downsamplings(), grid.size());
                (layer, (f, window))
            })
            .collect();
        visit(features)?;
    }
    Ok(())
}

/// The grid for a constant image (a target) with cores of `core`, `None` where it is one
/// tile: the network then runs on it whole.
fn target_grid(
    vgg: &Vgg,
    image: &Tensor<4>,
    layers: &[VggLayer],
    core: Option<usize>,
) -> Result<Option<TileGrid>, LossError> {
    let Some(core) = core else {
        return Ok(None);
    };
    let [_, _, height, width] = image.dims();
    let grid = TileGrid::new(
        [height, width],
        core,
        halo(vgg.layers(), layers),
        alignment(layers),
    )?;
    Ok((grid.tiles().len() > 1).then_some(grid))
}

/// The activations of `layers` for `image`, computed without autodiff so that no graph
/// is recorded for what are constants of the loss; tile by tile with cores of `core`.
pub(crate) fn constant_features(
    vgg: &Vgg,
    image: Tensor<4>,
    layers: &[VggLayer],
    core: Option<usize>,
) -> Result<BTreeMap<VggLayer, Tensor<4>>, LossError> {
    let vgg = vgg.valid();
    let image = image.inner();
    let Some(grid) = target_grid(&vgg, &image, layers, core)? else {
        return Ok(vgg.features(image, layers)?);
    };
    let [batch, _, height, width] = image.dims();
    let mut whole: BTreeMap<VggLayer, Tensor<4>> = layers
        .iter()
        .map(|&l| {
            let shape = [
                batch,
                l.channels(),
                height >> l.downsamplings(),
                width >> l.downsamplings(),
            ];
            (l, Tensor::zeros(shape, &image.device()))
        })
        .collect();
    for_each_tile(&vgg, &image, &grid, layers, |features| {
        for (layer, (f, window)) in features {
            let [rows, columns] = window.local;
            if rows.is_empty() || columns.is_empty() {
                continue;
            }
            let [b, c, _, _] = f.dims();
            let core = f.slice([0..b, 0..c, rows, columns]);
            let [global_rows, global_columns] = window.global;
            let target = whole.remove(&layer).expect("made for every layer above");
            whole.insert(
                layer,
                target.slice_assign([0..b, 0..c, global_rows, global_columns], core),
            );
        }
        Ok(())
    })?;
    Ok(whole)
}

/// Each layer's Gram matrix of `image` per position, `G / M`, `[1, N_l, N_l]`; tile by
/// tile with cores of `core`.
pub(crate) fn grams_per_position_of(
    vgg: &Vgg,
    image: &Tensor<4>,
    layers: &[VggLayer],
    core: Option<usize>,
) -> Result<BTreeMap<VggLayer, Tensor<3>>, LossError> {
    let plain = vgg.valid();
    let image = image.clone().inner();
    let [_, _, height, width] = image.dims();
    let mut sums: BTreeMap<VggLayer, Tensor<3>> = BTreeMap::new();
    match target_grid(&plain, &image, layers, core)? {
        None => {
            for (layer, f) in plain.features(image, layers)? {
                sums.insert(layer, gram(f));
            }
        }
        Some(grid) => for_each_tile(&plain, &image, &grid, layers, |features| {
            for (layer, (f, window)) in features {
                let [rows, columns] = window.local;
                if rows.is_empty() || columns.is_empty() {
                    continue;
                }
                let [b, c, _, _] = f.dims();
                let g = gram(f.slice([0..b, 0..c, rows, columns]));
                let sum = add(sums.remove(&layer), Some(g)).expect("one Gram at least");
                sums.insert(layer, sum);
            }
            Ok(())
        })?,
    }
    Ok(sums
        .into_iter()
        .map(|(layer, g)| {
            let positions = (height >> layer.downsamplings()) * (width >> layer.downsamplings());
            (layer, g.mul_scalar(1.0 / positions as f64))
        })
        .collect())
}
