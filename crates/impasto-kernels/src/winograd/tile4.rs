//! F(4×4, 3×3)'s input transform `V = Bᵀ d B`, one band and one channel at a time, and
//! its `Aᵀ` for the output transform (`output.rs`).
//!
//! The interpolation points are 0, 1, −1, ½, −2 and ∞ rather than Lavin & Gray's 0, ±1, ±2
//! and ∞: Barabasz et al. ("Error analysis and improving the accuracy of Winograd
//! convolution for deep neural networks", ACM TOMS 2020) found them more accurate, and in
//! f32 against the definition summed in f64 (256 channels summed, 3 seeds) their largest
//! error was 1.9–3.2·10⁻⁶ of the largest output against 6.4·10⁻⁶ for 0, ±1, ±2. Every
//! entry is a small multiple of a power of two, so the transforms round only in their
//! additions:
//!
//! ```text
//! Bᵀ = [1 −3/2  −2   3/2  1  0]    Aᵀ = [1  1  1  1     1  0]
//!      [0  −1   1/2  5/2  1  0]         [0  1 −1  1/2  −2  0]
//!      [0   1  −5/2  1/2  1  0]         [0  1  1  1/4   4  0]
//!      [0  −2   −1    2   1  0]         [0  1 −1  1/8  −8  1]
//!      [0  1/2  −1  −1/2  1  0]
//!      [0   1  −3/2  −2  3/2 1]
//! ```
//!
//! (`G` is in `filters.rs`.)

use super::lanes::map_lanes;
use super::{Band, Plane, RowScratch};
use crate::conv3x3::Conv3x3Shape;

/// `Bᵀ x` of six values (one row or column of a 6×6 input patch).
#[inline(always)]
fn input_6(x: [f32; 6]) -> [f32; 6] {
    let [d0, d1, d2, d3, d4, d5] = x;
    [
        d0 - 2.0 * d2 + d4 + 1.5 * (d3 - d1),
        d4 - d1 + 0.5 * d2 + 2.5 * d3,
        d4 + d1 - 2.5 * d2 + 0.5 * d3,
        d4 - d2 + 2.0 * (d3 - d1),
        d4 - d2 + 0.5 * (d1 - d3),
        d5 + d1 - 1.5 * d2 - 2.0 * d3 + 1.5 * d4,
    ]
}

/// `Aᵀ x` of six values (one row or column of a 6×6 product tile).
#[inline(always)]
pub(super) fn output_6(x: [f32; 6]) -> [f32; 4] {
    let [m0, m1, m2, m3, m4, m5] = x;
    let (sum12, diff12) = (m1 + m2, m1 - m2);
    [
        m0 + sum12 + m3 + m4,
        diff12 + 0.5 * m3 - 2.0 * m4,
        sum12 + 0.25 * m3 + 4.0 * m4,
        diff12 + 0.125 * m3 - 8.0 * m4 + m5,
    ]
}

/// [`output_6`] down the columns of a tile row: `columns[i][k] = output_6(ms[·][k])[i]`,
/// in [`map_lanes`]' blocks (a plain loop does not vectorise for six inputs).
#[inline(always)]
pub(super) fn columns_6(ms: [&[f32]; 6], columns: [&mut [f32]; 4]) {
    map_lanes(ms, columns, output_6);
}

/// The input transform of one band, channel by channel, with its row buffers.
///
/// `V[c][ξ][t] = (Bᵀ d B)[ξ]` for tile `t` of the band, where `d` is the 6×6 input patch
/// starting one row above and one column left of the tile. Along a row, with `phase[j][k]
/// = x[4k − 1 + j]`, tile `k` reads `phase[0..4][k]` and `phase[0..2][k + 1]`, so every
/// step is a contiguous, vectorisable loop over tiles. Each input row under the band is
/// transformed along its length once (`d B`), then combined down the columns for each
/// tile row; adjacent tile rows share two input rows.
pub(super) struct InputRows {
    shape: Conv3x3Shape,
    band: Band,
    /// `x[4k − 1 + j]` for `j < 4`, `k ≤ ⌈width / 4⌉`: `[j][k]`.
    phases: Vec<f32>,
    /// `d B` of the band's input rows (row `4 · tile_row − 1` first): `[row][b][k]`.
    rows: Vec<f32>,
    /// Room for one input row masked (and unpooled) by [`Plane::row`].
    masked: RowScratch,
}

impl InputRows {
    pub(super) fn new(shape: Conv3x3Shape, band: Band) -> Self {
        let tiles_w = shape.width.div_ceil(4);
        InputRows {
            shape,
            band,
            phases: vec![0.0; 4 * (tiles_w + 1)],
            rows: vec![0.0; (4 * band.tile_rows + 2) * 6 * tiles_w],
            masked: RowScratch::new(shape.width),
        }
    }

    /// Fills `v` (`[36, tiles]`) from one channel's plane.
    pub(super) fn transform(&mut self, v: &mut [f32], source: Plane<'_>) {
        let (height, width) = (self.shape.height, self.shape.width);
        let tiles_w = width.div_ceil(4);
        let tiles = self.band.tile_rows * tiles_w;
        assert_eq!(v.len(), 36 * tiles);
        let phase_len = tiles_w + 1;
        for (r, row) in self.rows.chunks_exact_mut(6 * tiles_w).enumerate() {
            let Some(y) = self.band.input_row(r, height) else {
                row.fill(0.0);
                continue;
            };
            split_phases(
                source.row(y, width, &mut self.masked),
                &mut self.phases,
                phase_len,
            );
            let p = |j: usize, from: usize| &self.phases[j * phase_len + from..][..tiles_w];
            let (p0, p1, p2, p3, q0, q1) = (p(0, 0), p(1, 0), p(2, 0), p(3, 0), p(0, 1), p(1, 1));
            let (b0, rest) = row.split_at_mut(tiles_w);
            let (b1, rest) = rest.split_at_mut(tiles_w);
            let (b2, rest) = rest.split_at_mut(tiles_w);
            let (b3, rest) = rest.split_at_mut(tiles_w);
            let (b4, b5) = rest.split_at_mut(tiles_w);
            map_lanes([p0, p1, p2, p3, q0, q1], [b0, b1, b2, b3, b4, b5], input_6);
        }
        for tr in 0..self.band.tile_rows {
            for b in 0..6 {
                let at = |r: usize| &self.rows[((4 * tr + r) * 6 + b) * tiles_w..][..tiles_w];
                let rows: [&[f32]; 6] = std::array::from_fn(at);
                // The six outputs `V[a][b]` of this column, `a < 6`: disjoint rows of `v`.
                let outs = split_six(v, b, tiles, tr * tiles_w, tiles_w);
                map_lanes(rows, outs, input_6);
            }
        }
    }
}

/// Rows `(a · 6 + b) · tiles + offset ..` (`len` long) of `v`, for `a < 6`: six disjoint
/// slices, in order of `a`.
fn split_six(v: &mut [f32], b: usize, tiles: usize, offset: usize, len: usize) -> [&mut [f32]; 6] {
    let mut rest = &mut v[b * tiles + offset..];
    std::array::from_fn(|a| {
        let (row, after) = std::mem::take(&mut rest).split_at_mut(len);
        if a < 5 {
            rest = &mut after[6 * tiles - len..];
        }
        row
    })
}

/// `phases[j · phase_len + k] = line[4k − 1 + j]` for `j < 4`, `k < phase_len`, zero
/// outside the line.
fn split_phases(line: &[f32], phases: &mut [f32], phase_len: usize) {
    let (p0, rest) = phases.split_at_mut(phase_len);
    let (p1, rest) = rest.split_at_mut(phase_len);
    let (p2, p3) = rest.split_at_mut(phase_len);
    let quads = line.len() / 4;
    p0[0] = 0.0;
    for (k, quad) in line.chunks_exact(4).enumerate() {
        p1[k] = quad[0];
        p2[k] = quad[1];
        p3[k] = quad[2];
        p0[k + 1] = quad[3];
    }
    let get = |i: usize| line.get(i).copied().unwrap_or(0.0);
    for k in quads..phase_len {
        p1[k] = get(4 * k);
        p2[k] = get(4 * k + 1);
        p3[k] = get(4 * k + 2);
        if k + 1 < phase_len {
            p0[k + 1] = get(4 * k + 3);
        }
    }
}
