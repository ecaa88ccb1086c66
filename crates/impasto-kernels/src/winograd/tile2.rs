//! F(2×2, 3×3)'s input transform `V = Bᵀ d B`, one band and one channel at a time, and
//! its `Aᵀ` for the output transform (`output.rs`).

use super::{Band, Plane, RowScratch};
use crate::conv3x3::Conv3x3Shape;

/// The input transform of one band, channel by channel, with its row buffers.
///
/// `V[c][ξ][t] = (Bᵀ d B)[ξ]` for tile `t` of the band, where `d` is the 4×4 input patch
/// starting one row above and one column left of the tile, and
/// `Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]`. Along a row, with
/// `even[k] = x[2k − 1]` and `odd[k] = x[2k]`, tile `k` reads `(even[k], odd[k], even[k+1],
/// odd[k+1])`, so every step is a contiguous, vectorisable loop over tiles. Each input row
/// under the band is transformed along its length once (`d B`), then combined down the
/// columns (`Bᵀ (d B)`) for each tile row; adjacent tile rows share two input rows.
pub(super) struct InputRows {
    shape: Conv3x3Shape,
    band: Band,
    even: Vec<f32>,
    odd: Vec<f32>,
    /// `d B` of the band's input rows (row `2 · tile_row − 1` first): `[row][b][k]`.
    rows: Vec<f32>,
    /// Room for one input row masked (and unpooled) by [`Plane::row`].
    masked: RowScratch,
}

impl InputRows {
    pub(super) fn new(shape: Conv3x3Shape, band: Band) -> Self {
        let tiles_w = shape.width.div_ceil(2);
        InputRows {
            shape,
            band,
            even: vec![0.0; tiles_w + 1],
            odd: vec![0.0; tiles_w + 1],
            rows: vec![0.0; (2 * band.tile_rows + 2) * 4 * tiles_w],
            masked: RowScratch::new(shape.width),
        }
    }

    /// Fills `v` (`[16, tiles]`) from one channel's plane.
    pub(super) fn transform(&mut self, v: &mut [f32], source: Plane<'_>) {
        let (height, width) = (self.shape.height, self.shape.width);
        let tiles_w = width.div_ceil(2);
        let tiles = self.band.tile_rows * tiles_w;
        let (even, odd) = (&mut self.even, &mut self.odd);
        for (r, row) in self.rows.chunks_exact_mut(4 * tiles_w).enumerate() {
            let Some(y) = self.band.input_row(r, height) else {
                row.fill(0.0);
                continue;
            };
            split_even_odd(source.row(y, width, &mut self.masked), even, odd);
            let (b0, rest) = row.split_at_mut(tiles_w);
            let (b1, rest) = rest.split_at_mut(tiles_w);
            let (b2, b3) = rest.split_at_mut(tiles_w);
            let (e0, e1) = (&even[..tiles_w], &even[1..]);
            let (o0, o1) = (&odd[..tiles_w], &odd[1..]);
            for k in 0..tiles_w {
                b0[k] = e0[k] - e1[k];
                b1[k] = o0[k] + e1[k];
                b2[k] = e1[k] - o0[k];
                b3[k] = o0[k] - o1[k];
            }
        }
        for tr in 0..self.band.tile_rows {
            for b in 0..4 {
                let at = |r: usize| &self.rows[((2 * tr + r) * 4 + b) * tiles_w..][..tiles_w];
                let (r0, r1, r2, r3) = (at(0), at(1), at(2), at(3));
                let out = |a: usize| (a * 4 + b) * tiles + tr * tiles_w;
                let v0 = &mut v[out(0)..][..tiles_w];
                for k in 0..tiles_w {
                    v0[k] = r0[k] - r2[k];
                }
                let v1 = &mut v[out(1)..][..tiles_w];
                for k in 0..tiles_w {
                    v1[k] = r1[k] + r2[k];
                }
                let v2 = &mut v[out(2)..][..tiles_w];
                for k in 0..tiles_w {
                    v2[k] = r2[k] - r1[k];
                }
                let v3 = &mut v[out(3)..][..tiles_w];
                for k in 0..tiles_w {
                    v3[k] = r1[k] - r3[k];
                }
            }
        }
    }
}

/// `even[k] = line[2k − 1]`, `odd[k] = line[2k]` for `k ≤ ⌈width / 2⌉`, zero outside the
/// line.
fn split_even_odd(line: &[f32], even: &mut [f32], odd: &mut [f32]) {
    let pairs = line.len() / 2;
    even[0] = 0.0;
    for ((pair, o), e) in line
        .chunks_exact(2)
        .zip(odd.iter_mut())
        .zip(even[1..].iter_mut())
    {
        *o = pair[0];
        *e = pair[1];
    }
    if line.len() % 2 == 1 {
        odd[pairs] = line[line.len() - 1];
        even[pairs + 1] = 0.0;
        odd[pairs + 1] = 0.0;
    } else {
        odd[pairs] = 0.0;
    }
}

/// `Aᵀ x` of four values (one row or column of a 4×4 product tile),
/// `Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]`.
#[inline(always)]
pub(super) fn output_4(x: [f32; 4]) -> [f32; 2] {
    let [m0, m1, m2, m3] = x;
    [m0 + m1 + m2, m1 - m2 - m3]
}

/// [`output_4`] down the columns of a tile row: `columns[i][k] = output_4(ms[·][k])[i]`.
/// A plain loop over slices of one length, which the compiler vectorises (for two outputs
/// it did better than `map_lanes`' blocks).
#[inline(always)]
pub(super) fn columns_4(ms: [&[f32]; 4], [top, bottom]: [&mut [f32]; 2]) {
    let n = top.len();
    let bottom = &mut bottom[..n];
    // Each slice cut to `n` here, so that every length is known and the loop has no bounds
    // checks (cut through `ms.map`, the loop measured slower: the compiler lost track).
    let [m0, m1, m2, m3] = [&ms[0][..n], &ms[1][..n], &ms[2][..n], &ms[3][..n]];
    for k in 0..n {
        top[k] = m0[k] + m1[k] + m2[k];
        bottom[k] = m1[k] - m2[k] - m3[k];
    }
}
