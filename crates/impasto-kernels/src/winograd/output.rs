//! The output transform `Aᵀ M A` of one band, channel by channel, for either tile: the
//! steps are the same for F(2×2, 3×3) and F(4×4, 3×3), which differ only in `Aᵀ`
//! (`tile2.rs`, `tile4.rs`).

use std::mem::MaybeUninit;

use super::Band;
use crate::conv3x3::Conv3x3Shape;

/// The output transform of one band, channel by channel, with its row buffers: `Aᵀ M A`
/// per tile, plus the bias, then the ReLU; `M` outputs a side from `A` = `M + 2` points.
pub(super) struct OutputColumns<const M: usize, const A: usize> {
    shape: Conv3x3Shape,
    band: Band,
    /// `Aᵀ M` (`M × A` per tile): `[i][b][k]`.
    columns: Vec<f32>,
}

impl<const M: usize, const A: usize> OutputColumns<M, A> {
    pub(super) fn new(shape: Conv3x3Shape, band: Band) -> Self {
        let tiles_w = shape.width.div_ceil(M);
        OutputColumns {
            shape,
            band,
            columns: vec![0.0; M * A * tiles_w],
        }
    }

    /// Writes every element of `out`, the band's output rows of one channel (rows `M ·
    /// band.tile_row ..` of its plane, all of them), from that channel's `m` (`[A², tiles]`).
    /// `output` is the tile's `Aᵀ x` of `A` values (one row or column of a product tile);
    /// `columns` applies it down the columns of a tile row, `columns[i][k] = output(ms[·][k])[i]`
    /// for every tile `k`, in the loop that vectorises best for that tile.
    pub(super) fn transform(
        &mut self,
        out: &mut [MaybeUninit<f32>],
        m: &[f32],
        (bias, relu): (f32, bool),
        columns: impl Fn([&[f32]; A], [&mut [f32]; M]),
        output: impl Fn([f32; A]) -> [f32; M],
    ) {
        let width = self.shape.width;
        let tiles_w = width.div_ceil(M);
        let tiles = self.band.tile_rows * tiles_w;
        assert_eq!(m.len(), A * A * tiles);
        assert_eq!(out.len(), self.band.output_rows(self.shape.height) * width);
        // `M` output rows per tile row (fewer for the last where the height is not a
        // multiple of `M`): the chunks are the band's tile rows, all of them, and every row
        // of each is written below.
        for (tr, rows) in out.chunks_mut(M * width).enumerate() {
            let at = |xi: usize| &m[xi * tiles + tr * tiles_w..][..tiles_w];
            // `Aᵀ M` of the tile row: block `i` holds its row `i`, `[b][k]`.
            let mut blocks = self.columns.chunks_exact_mut(A * tiles_w);
            let mut blocks: [&mut [f32]; M] =
                std::array::from_fn(|_| blocks.next().expect("M blocks of A rows"));
            for b in 0..A {
                let ms: [&[f32]; A] = std::array::from_fn(|a| at(a * A + b));
                columns(
                    ms,
                    blocks
                        .each_mut()
                        .map(|block| &mut block[b * tiles_w..][..tiles_w]),
                );
            }
            for (i, row) in rows.chunks_exact_mut(width).enumerate() {
                let u: [&[f32]; A] =
                    std::array::from_fn(|b| &self.columns[(i * A + b) * tiles_w..][..tiles_w]);
                // Straight into the row: `M` outputs per tile, the last tile cut short where
                // the width is not a multiple of `M`. The ReLU is a select, so the loop
                // vectorises (see the im2col path's ReLU).
                let finish = |t: f32| {
                    let value = bias + t;
                    if relu & (value <= 0.0) { 0.0 } else { value }
                };
                let mut tiles = row.chunks_exact_mut(M);
                for (k, tile) in (&mut tiles).enumerate() {
                    let t = output(std::array::from_fn(|b| u[b][k]));
                    for (out, t) in tile.iter_mut().zip(t) {
                        out.write(finish(t));
                    }
                }
                let rest = tiles.into_remainder();
                if !rest.is_empty() {
                    let t = output(std::array::from_fn(|b| u[b][width / M]));
                    for (out, t) in rest.iter_mut().zip(t) {
                        out.write(finish(t));
                    }
                }
            }
        }
    }
}
