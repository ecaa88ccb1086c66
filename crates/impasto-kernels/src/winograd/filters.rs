//! Winograd's filter transform `U = G g Gᵀ`.

use rayon::prelude::*;

use super::Tile;
use crate::conv3x3::Conv3x3Shape;

/// Which filters a call convolves with, both read from a forward convolution's
/// `[channels_out, channels_in, 3, 3]` weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filters {
    /// The weights as they are: the forward convolution.
    Forward,
    /// The weights rotated by 180° with input and output channels swapped: the convolution
    /// that gives the forward's input gradient from its output gradient.
    InputGradient,
}

/// Transformed filters and the tile they were transformed for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WinogradFilters {
    pub(crate) tile: Tile,
    /// `U`, laid out `[channels_out, (m + 2)², channels_in]`.
    pub(crate) values: Vec<f32>,
}

/// F(2×2, 3×3)'s `G` (4×3): rows `g0`, `(g0 + g1 + g2)/2`, `(g0 − g1 + g2)/2`, `g2`.
const G2: [[f64; 3]; 4] = [
    [1.0, 0.0, 0.0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0.0, 0.0, 1.0],
];

/// F(4×4, 3×3)'s `G` (6×3), for the points 0, 1, −1, ½, −2 and ∞ of `tile4`'s `Bᵀ` and
/// `Aᵀ`: row `j` is `(1, p, p²) / Π_{l≠j} (p − p_l)` for point `p = p_j`.
const G4: [[f64; 3]; 6] = [
    [1.0, 0.0, 0.0],
    [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
    [-1.0 / 3.0, 1.0 / 3.0, -1.0 / 3.0],
    [-16.0 / 15.0, -8.0 / 15.0, -4.0 / 15.0],
    [1.0 / 15.0, -2.0 / 15.0, 4.0 / 15.0],
    [0.0, 0.0, 1.0],
];

/// The transformed filters `U[ξ] = (G g Gᵀ)[ξ]` for `tile`, laid out `[channels_out,
/// (m + 2)², channels_in]` for the convolution of `shape` (its own channels, not the
/// forward's when `filters` is [`Filters::InputGradient`]): each output channel's rows are
/// one block, so the threads write them in place; `U[ξ]` is read with row stride
/// `(m + 2)² · channels_in`. Computed in f64 and rounded once (F(4×4, 3×3)'s `G` holds
/// thirds and fifteenths, which f32 arithmetic would round at every step).
pub(crate) fn transform_filters(
    weights: &[f32],
    shape: Conv3x3Shape,
    filters: Filters,
    tile: Tile,
) -> WinogradFilters {
    let g_matrix: &[[f64; 3]] = match tile {
        Tile::F2 => &G2,
        Tile::F4 => &G4,
    };
    let (outs, ins) = (shape.channels_out, shape.channels_in);
    let (alpha, points) = (tile.side() + 2, tile.points());
    let mut values = vec![0.0f32; points * outs * ins];
    values
        .par_chunks_mut(points * ins.max(1))
        .enumerate()
        .for_each(|(o, row)| {
            for c in 0..ins {
                let g: [f64; 9] = std::array::from_fn(|k| {
                    f64::from(match filters {
                        Filters::Forward => weights[(o * ins + c) * 9 + k],
                        // Forward weights [ins_f = outs][outs_f = ins]: w_f[c][o][8 − k].
                        Filters::InputGradient => weights[(c * outs + o) * 9 + 8 - k],
                    })
                });
                // (G g)[a][kx] = Σ_ky G[a][ky] g[ky][kx], then U[a][b] = Σ_kx (G g)[a][kx] G[b][kx].
                for (a, ga) in g_matrix.iter().enumerate() {
                    let gg: [f64; 3] =
                        std::array::from_fn(|kx| (0..3).map(|ky| ga[ky] * g[ky * 3 + kx]).sum());
                    for (b, gb) in g_matrix.iter().enumerate() {
                        let u: f64 = (0..3).map(|kx| gg[kx] * gb[kx]).sum();
                        row[(a * alpha + b) * ins + c] = u as f32;
                    }
                }
            }
        });
    WinogradFilters { tile, values }
}
