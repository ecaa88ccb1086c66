//! The 3×3, stride 1, padding 1 convolution by Winograd's minimal filtering F(2×2, 3×3)
//! (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//!
//! Each 2×2 block of outputs is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, with `d` the 4×4 input patch
//! under it and `g` the 3×3 filter: 16 multiplications where the definition takes 36. Summed
//! over input channels, the 16 element-wise products become 16 matrix products
//! `M[ξ] = U[ξ] · V[ξ]` (`U[ξ]`: `[channels_out, channels_in]`, the transformed filters;
//! `V[ξ]`: `[channels_in, tiles]`, the transformed input), so the multiply-adds fall 2.25×
//! and run in `gemm` as before; the transforms are additions and halvings only. `U`, `V`
//! and `M` are stored channel-major (`[channel, 16, …]`) and the products read them with a
//! row stride, so each thread transforms whole channels in place.
//!
//! Why F(2×2, 3×3) and not a larger tile: its transforms hold only 0, ±1 and ±½, so the
//! rounding it adds is small (the tests hold it within 4× of the im2col path's error,
//! both against the definition summed in f64, and to 2·10⁻⁶ of the largest output);
//! F(4×4, 3×3) saves more multiplications but its transforms multiply by up to 8 and its
//! error grows by about an order of magnitude, which the contract's float64 comparison
//! would see.
//!
//! The image is cut into bands of tile rows; each band is transformed, multiplied and
//! transformed back by one thread while its `V` and `M` stay in cache. Images with too few
//! tiles for that (the deep layers) are one band whose phases the threads share.

// `gemm`'s entry point takes raw pointers, and the bands write disjoint rows of one output
// through a shared pointer; each block says why it holds.
#![allow(unsafe_code)]

use rayon::prelude::*;

use super::conv3x3::{Conv3x3Shape, OutputPointer, with_scratch};

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

/// The transformed filters `U[ξ] = (G g Gᵀ)[ξ]`, laid out `[channels_out, 16,
/// channels_in]` for the convolution of `shape` (its own channels, not the forward's when
/// `filters` is [`Filters::InputGradient`]): each output channel's rows are one block, so
/// the threads write them in place; `U[ξ]` is read with row stride `16 · channels_in`.
pub(crate) fn transform_filters(
    weights: &[f32],
    shape: Conv3x3Shape,
    filters: Filters,
) -> Vec<f32> {
    let (outs, ins) = (shape.channels_out, shape.channels_in);
    let mut transformed = vec![0.0f32; 16 * outs * ins];
    transformed
        .par_chunks_mut(16 * ins.max(1))
        .enumerate()
        .for_each(|(o, row)| {
            for c in 0..ins {
                let g: [f32; 9] = std::array::from_fn(|k| match filters {
                    Filters::Forward => weights[(o * ins + c) * 9 + k],
                    // Forward weights [ins_f = outs][outs_f = ins]: w_f[c][o][8 − k].
                    Filters::InputGradient => weights[(c * outs + o) * 9 + 8 - k],
                });
                // G g: 4×3, rows (g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2) over ky.
                let mut gg = [[0.0f32; 3]; 4];
                for kx in 0..3 {
                    let (g0, g1, g2) = (g[kx], g[3 + kx], g[6 + kx]);
                    gg[0][kx] = g0;
                    gg[1][kx] = 0.5 * (g0 + g1 + g2);
                    gg[2][kx] = 0.5 * (g0 - g1 + g2);
                    gg[3][kx] = g2;
                }
                for (a, r) in gg.iter().enumerate() {
                    let u = [
                        r[0],
                        0.5 * (r[0] + r[1] + r[2]),
                        0.5 * (r[0] - r[1] + r[2]),
                        r[2],
                    ];
                    for (b, value) in u.into_iter().enumerate() {
                        row[(a * 4 + b) * ins + c] = value;
                    }
                }
            }
        });
    transformed
}

/// Tile rows (of 2×2 tiles) per band: about [`BAND_BYTES`] of `V` and `M` together and at
/// least [`MIN_BAND_TILES`] tiles, the band count rounded up to a multiple of the threads
/// so none idles at the end. Where that leaves fewer bands than threads, whole images:
/// their phases are then split across the threads instead (see [`conv3x3_winograd`]).
fn band_rows(shape: Conv3x3Shape, threads: usize) -> usize {
    let (tiles_h, tiles_w) = (shape.height.div_ceil(2), shape.width.div_ceil(2));
    let bytes_per_tile = 16 * (shape.channels_in + shape.channels_out) * 4;
    let per_band = (BAND_BYTES / bytes_per_tile).max(MIN_BAND_TILES);
    let bands = (tiles_h * tiles_w).div_ceil(per_band);
    if bands * shape.batch < threads {
        return tiles_h.max(1);
    }
    let bands = bands.next_multiple_of(threads.max(1));
    tiles_h.div_ceil(bands.clamp(1, tiles_h))
}

/// Fewest tiles in a band: every band packs all of `U` (`16 · channels_out ·
/// channels_in`) for its products, so a band needs enough tiles to amortise that.
const MIN_BAND_TILES: usize = 256;

/// `V` and `M` of one band. Measured on the 2-core VM over VGG16's layers at 224 px
/// (forward + input gradient, Winograd layers only): 0.5 MB 205 ms, 2 MB 171, 4 MB 159,
/// 16 MB 160: small bands pack each `U[ξ]` once per band for little work.
const BAND_BYTES: usize = 4 << 20;

/// Whether Winograd beats im2col for the convolution of `shape`, from the per-layer
/// measurements on the 2-core VM (docs/benchmarks.md): on every VGG16 layer at 224 px
/// with 64 channels or more it does, by 1.2–1.9× (forward and input gradient), and
/// loses where a side has a few channels (the 3-channel layer: products too thin for
/// `gemm` to run at speed; its transforms then cost as much as the products). Images under
/// 8 × 8 stay with im2col, whose products there are as small as Winograd's.
pub(crate) fn winograd_pays(shape: Conv3x3Shape) -> bool {
    shape.channels_in.min(shape.channels_out) >= 16 && shape.height >= 8 && shape.width >= 8
}

/// A band of 2×2 tile rows of one image.
#[derive(Debug, Clone, Copy)]
struct Band {
    image: usize,
    /// First tile row (output row `2 · tile_row`).
    tile_row: usize,
    tile_rows: usize,
}

/// `out[n, o] = bias[o] + Σ_c g[o, c] ⋆ input[n, c]` (3×3, zero padding), where `filters`
/// is `g` transformed by [`transform_filters`]; optionally followed by a ReLU.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]` of `shape`
/// - filters: `[channels_out, 16, channels_in]`, from [`transform_filters`] for `shape`
/// - bias: `[channels_out]`
/// - output: `[batch, channels_out, height, width]`
pub(crate) fn conv3x3_winograd(
    input: &[f32],
    filters: &[f32],
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
    relu: bool,
) -> Vec<f32> {
    let (ins, outs) = (shape.channels_in, shape.channels_out);
    let plane = shape.height * shape.width;
    assert_eq!(input.len(), shape.batch * ins * plane);
    assert_eq!(filters.len(), outs * 16 * ins);
    if let Some(bias) = bias {
        assert_eq!(bias.len(), outs);
    }
    let len = shape.batch * outs * plane;
    let mut output: Vec<f32> = Vec::with_capacity(len);
    if len == 0 {
        return output;
    }
    let band_rows = band_rows(shape, rayon::current_num_threads());
    let tiles_h = shape.height.div_ceil(2);
    let bands: Vec<Band> = (0..shape.batch)
        .flat_map(|image| {
            (0..tiles_h).step_by(band_rows).map(move |tile_row| Band {
                image,
                tile_row,
                tile_rows: band_rows.min(tiles_h - tile_row),
            })
        })
        .collect();
    let destination = OutputPointer(output.as_mut_ptr());
    let tiles_w = shape.width.div_ceil(2);
    // Enough bands for the threads: each band on one thread, start to end, its `V` and
    // `M` in that thread's cache. Fewer (deep layers of small images): the bands in turn,
    // each phase (input transform by channels, products by ξ, output transform by
    // channels) split across the threads, so `U` is packed once per band, not per thread.
    let split_phases = bands.len() < rayon::current_num_threads();
    for_each_band(&bands, !split_phases, |band| {
        let tiles = band.tile_rows * tiles_w;
        with_scratch(16 * (ins + outs) * tiles, |scratch| {
            let (transformed_input, products) = scratch.split_at_mut(16 * ins * tiles);
            let source = &input[band.image * ins * plane..][..ins * plane];
            let input_channel = |rows: &mut InputRows, (c, v): (usize, &mut [f32])| {
                rows.transform(v, &source[c * plane..][..plane]);
            };
            if split_phases {
                transformed_input
                    .par_chunks_mut(16 * tiles)
                    .enumerate()
                    .for_each_init(|| InputRows::new(shape, band), input_channel);
            } else {
                let mut rows = InputRows::new(shape, band);
                transformed_input
                    .chunks_exact_mut(16 * tiles)
                    .enumerate()
                    .for_each(|channel| input_channel(&mut rows, channel));
            }
            let products_at = OutputPointer(products.as_mut_ptr());
            let product = |xi: usize| {
                // SAFETY: `M` is `[outs, 16, tiles]`, `U` `[outs, 16, ins]`, `V` `[ins, 16,
                // tiles]`: M[ξ] (`outs` rows of `tiles`, row stride `16 · tiles`, from
                // `ξ · tiles`), U[ξ] and V[ξ] (likewise) lie inside their buffers. Products
                // for different ξ write disjoint elements of `M`.
                unsafe {
                    gemm::gemm(
                        outs,
                        tiles,
                        ins,
                        products_at.at(xi * tiles),
                        1,
                        (16 * tiles) as isize,
                        false,
                        filters.as_ptr().add(xi * ins),
                        1,
                        (16 * ins) as isize,
                        transformed_input.as_ptr().add(xi * tiles),
                        1,
                        (16 * tiles) as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
            };
            let products = &*products;
            let output_channel = |columns: &mut OutputColumns, o: usize| {
                columns.transform(
                    destination,
                    &products[o * 16 * tiles..][..16 * tiles],
                    (band.image * outs + o) * plane,
                    bias.map_or(0.0, |bias| bias[o]),
                    relu,
                );
            };
            if split_phases {
                (0..16).into_par_iter().for_each(product);
                (0..outs)
                    .into_par_iter()
                    .for_each_init(|| OutputColumns::new(shape, band), output_channel);
            } else {
                (0..16).for_each(product);
                let mut columns = OutputColumns::new(shape, band);
                (0..outs).for_each(|o| output_channel(&mut columns, o));
            }
        });
    });
    // SAFETY: the bands cover every tile row of every image, and `transform_output` writes
    // every output element of its band's rows (each channel, each column), so all `len`
    // elements are initialised.
    unsafe { output.set_len(len) };
    output
}

/// Runs `run` on every band: in parallel, one band per thread at a time, or in turn.
fn for_each_band(bands: &[Band], parallel: bool, run: impl Fn(Band) + Sync) {
    if parallel {
        bands.par_iter().for_each(|band| run(*band));
    } else {
        bands.iter().for_each(|band| run(*band));
    }
}

/// The input transform of one band, channel by channel, with its row buffers.
///
/// `V[c][ξ][t] = (Bᵀ d B)[ξ]` for tile `t` of the band, where `d` is the 4×4 input patch
/// starting one row above and one column left of the tile, and
/// `Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]`. Along a row, with
/// `even[k] = x[2k − 1]` and `odd[k] = x[2k]`, tile `k` reads `(even[k], odd[k], even[k+1],
/// odd[k+1])`, so every step is a contiguous, vectorisable loop over tiles. Each input row
/// under the band is transformed along its length once (`d B`), then combined down the
/// columns (`Bᵀ (d B)`) for each tile row; adjacent tile rows share two input rows.
struct InputRows {
    shape: Conv3x3Shape,
    band: Band,
    even: Vec<f32>,
    odd: Vec<f32>,
    /// `d B` of the band's input rows (row `2 · tile_row − 1` first): `[row][b][k]`.
    rows: Vec<f32>,
}

impl InputRows {
    fn new(shape: Conv3x3Shape, band: Band) -> Self {
        let tiles_w = shape.width.div_ceil(2);
        InputRows {
            shape,
            band,
            even: vec![0.0; tiles_w + 1],
            odd: vec![0.0; tiles_w + 1],
            rows: vec![0.0; (2 * band.tile_rows + 2) * 4 * tiles_w],
        }
    }

    /// Fills `v` (`[16, tiles]`) from one channel's plane.
    fn transform(&mut self, v: &mut [f32], source: &[f32]) {
        let (height, width) = (self.shape.height, self.shape.width);
        let tiles_w = width.div_ceil(2);
        let tiles = self.band.tile_rows * tiles_w;
        let (even, odd) = (&mut self.even, &mut self.odd);
        for (r, row) in self.rows.chunks_exact_mut(4 * tiles_w).enumerate() {
            let Some(y) = (2 * self.band.tile_row + r)
                .checked_sub(1)
                .filter(|&y| y < height)
            else {
                row.fill(0.0);
                continue;
            };
            split_even_odd(&source[y * width..][..width], even, odd);
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

/// The output transform of one band, channel by channel, with its row buffers:
/// `Aᵀ M A` per tile, `Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]`, plus the bias, then the ReLU.
struct OutputColumns {
    shape: Conv3x3Shape,
    band: Band,
    /// `Aᵀ M` (2×4 per tile): `[i][b][k]`.
    columns: Vec<f32>,
    /// One output row.
    line: Vec<f32>,
}

impl OutputColumns {
    fn new(shape: Conv3x3Shape, band: Band) -> Self {
        let tiles_w = shape.width.div_ceil(2);
        OutputColumns {
            shape,
            band,
            columns: vec![0.0; 8 * tiles_w],
            line: vec![0.0; 2 * tiles_w],
        }
    }

    /// Writes output rows `2 · band.tile_row ..` of the channel whose plane starts at
    /// `plane_offset` in the output, from that channel's `m` (`[16, tiles]`).
    fn transform(
        &mut self,
        destination: OutputPointer,
        m: &[f32],
        plane_offset: usize,
        bias: f32,
        relu: bool,
    ) {
        let (height, width) = (self.shape.height, self.shape.width);
        let tiles_w = width.div_ceil(2);
        let tiles = self.band.tile_rows * tiles_w;
        for tr in 0..self.band.tile_rows {
            let at = |xi: usize| &m[xi * tiles + tr * tiles_w..][..tiles_w];
            let (top, bottom) = self.columns.split_at_mut(4 * tiles_w);
            for b in 0..4 {
                let (m0, m1, m2, m3) = (at(b), at(4 + b), at(8 + b), at(12 + b));
                let top = &mut top[b * tiles_w..][..tiles_w];
                let bottom = &mut bottom[b * tiles_w..][..tiles_w];
                for k in 0..tiles_w {
                    top[k] = m0[k] + m1[k] + m2[k];
                    bottom[k] = m1[k] - m2[k] - m3[k];
                }
            }
            for i in 0..2 {
                let y = 2 * (self.band.tile_row + tr) + i;
                if y >= height {
                    break;
                }
                let u = |b: usize| &self.columns[(i * 4 + b) * tiles_w..][..tiles_w];
                let (u0, u1, u2, u3) = (u(0), u(1), u(2), u(3));
                for (k, pair) in self.line.chunks_exact_mut(2).enumerate() {
                    pair[0] = bias + u0[k] + u1[k] + u2[k];
                    pair[1] = bias + u1[k] - u2[k] - u3[k];
                }
                if relu {
                    // A select, so it vectorises (see the im2col path's ReLU).
                    for value in &mut self.line {
                        *value = if *value <= 0.0 { 0.0 } else { *value };
                    }
                }
                // SAFETY: row `y` (`< height`) of this channel's plane: inside the output,
                // and written only by this band (rows `2 · tile_row ..`) and this channel,
                // so by no other thread; the output is read only after every band ends.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        self.line.as_ptr(),
                        destination.at(plane_offset + y * width),
                        width,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "winograd_tests.rs"]
mod tests;
