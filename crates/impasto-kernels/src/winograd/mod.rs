//! The 3×3, stride 1, padding 1 convolution by Winograd's minimal filtering F(m×m, 3×3)
//! (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), with output
//! tiles of m = 2 or 4 ([`Tile`]).
//!
//! Each m×m block of outputs is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, with `d` the (m+2)×(m+2)
//! input patch under it and `g` the 3×3 filter: (m+2)² multiplications where the definition
//! takes 9m² (16 for 36 with m = 2; 36 for 144 with m = 4). Summed over input channels, the
//! (m+2)² element-wise products become as many matrix products `M[ξ] = U[ξ] · V[ξ]`
//! (`U[ξ]`: `[channels_out, channels_in]`, the transformed filters; `V[ξ]`: `[channels_in,
//! tiles]`, the transformed input), so the multiply-adds fall 2.25× (m = 2) or 4× (m = 4)
//! and run in `gemm` as before; the transforms are additions and small multiples only.
//! `U`, `V` and `M` are stored channel-major (`[channel, ξ, …]`) and the products read them
//! with a row stride, so each thread transforms whole channels in place.
//!
//! Accuracy: F(2×2, 3×3)'s transforms hold only 0, ±1 and ±½, and its rounding stays within
//! 4× of the im2col path's (both against the definition summed in f64). F(4×4, 3×3)'s
//! multiply by up to 8 and its error is about 20× the im2col path's, near 10⁻⁵ of the
//! largest output (the tests hold both; the conformance tests against float64 PyTorch hold
//! the whole network to 10⁻⁴); its filters are transformed in f64.
//!
//! The image is cut into bands of tile rows; each band is transformed, multiplied and
//! transformed back by one thread while its `V` and `M` stay in cache. Images with too few
//! tiles for that (the deep layers) are one band whose phases the threads share.

mod band;
mod filters;
mod lanes;
mod output;
mod plane;
mod tile2;
mod tile4;

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::conv3x3::Conv3x3Shape;
use crate::matrix::{Accum, Layout, MatMut, MatRef, gemm};
use crate::scratch::with_scratch;
use band::{Band, BandOutput, band_rows, split_output};
pub(crate) use filters::{Filters, WinogradFilters, transform_filters};
use plane::{Plane, RowScratch};

/// The output tile of a Winograd convolution: F(2×2, 3×3) or F(4×4, 3×3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tile {
    F2,
    F4,
}

impl Tile {
    /// Side of an output tile, `m`.
    pub(crate) const fn side(self) -> usize {
        match self {
            Tile::F2 => 2,
            Tile::F4 => 4,
        }
    }

    /// Points of the transformed tile, `(m + 2)²`: the products per tile.
    pub(crate) const fn points(self) -> usize {
        (self.side() + 2) * (self.side() + 2)
    }
}

/// The Winograd tile for the convolution of `shape`, or `None` where im2col is faster.
///
/// Why these bounds (the per-layer measurements are in docs/benchmarks.md): Winograd's
/// fewer multiply-adds win wherever the input has enough channels for its products to be
/// wide, which every VGG16 layer with 64 input channels or more has, forward and input
/// gradient. Where the input has a few channels (the 3-channel layer's forward) the
/// products are too thin for `gemm` to run at speed and the transforms cost as much as the
/// products, so im2col stays. Few *output* channels do not matter: the same layer's input
/// gradient (64 channels in, 3 out) is faster by Winograd, as im2col would build 64 · 9
/// rows for a product only 3 rows tall. Images under 8 × 8 stay with im2col, whose
/// products there are as small as Winograd's. F(4×4, 3×3) does a quarter of the
/// definition's multiply-adds where F(2×2, 3×3) does 4/9, and wins where the image has
/// [`MIN_F4_TILES`] of its tiles or more; below that its products are too thin for the
/// larger `U` they pack, and F(2×2, 3×3) ties it or wins.
pub(crate) fn winograd_tile(shape: Conv3x3Shape) -> Option<Tile> {
    let pays = shape.channels_in >= 16 && shape.height >= 8 && shape.width >= 8;
    if !pays {
        return None;
    }
    let f4_tiles = shape.height.div_ceil(4) * shape.width.div_ceil(4);
    Some(if f4_tiles >= MIN_F4_TILES {
        Tile::F4
    } else {
        Tile::F2
    })
}

/// Fewest 4×4 tiles for F(4×4, 3×3): 6 × 6 tiles, a 24 × 24 image (VGG16's 28 × 28
/// layers take it, where it measured faster; the 14 × 14 ones, where the two tie, do not).
const MIN_F4_TILES: usize = 36;

/// The input transform of one band, channel by channel.
enum InputRows {
    F2(tile2::InputRows),
    F4(tile4::InputRows),
}

impl InputRows {
    fn new(shape: Conv3x3Shape, band: Band) -> Self {
        match band.tile {
            Tile::F2 => InputRows::F2(tile2::InputRows::new(shape, band)),
            Tile::F4 => InputRows::F4(tile4::InputRows::new(shape, band)),
        }
    }

    /// Fills `v` (`[(m + 2)², tiles]`) from one channel's plane.
    fn transform(&mut self, v: &mut [f32], source: Plane<'_>) {
        match self {
            InputRows::F2(rows) => rows.transform(v, source),
            InputRows::F4(rows) => rows.transform(v, source),
        }
    }
}

/// The output transform of one band, channel by channel.
enum OutputColumns {
    F2(output::OutputColumns<2, 4>),
    F4(output::OutputColumns<4, 6>),
}

impl OutputColumns {
    fn new(shape: Conv3x3Shape, band: Band) -> Self {
        match band.tile {
            Tile::F2 => OutputColumns::F2(output::OutputColumns::new(shape, band)),
            Tile::F4 => OutputColumns::F4(output::OutputColumns::new(shape, band)),
        }
    }

    /// Writes every element of `out` (the band's rows of one output channel) from that
    /// channel's `m` (`[(m + 2)², tiles]`), plus `bias`, then the ReLU if asked.
    fn transform(&mut self, out: &mut [MaybeUninit<f32>], m: &[f32], bias: f32, relu: bool) {
        match self {
            OutputColumns::F2(buffers) => {
                buffers.transform(out, m, (bias, relu), tile2::columns_4, tile2::output_4);
            }
            OutputColumns::F4(buffers) => {
                buffers.transform(out, m, (bias, relu), tile4::columns_6, tile4::output_6);
            }
        }
    }
}

/// `out[n, o] = bias[o] + Σ_c g[o, c] ⋆ input[n, c]` (3×3, zero padding), where `filters`
/// is `g` transformed by [`transform_filters`] (whose tile this convolution takes);
/// optionally followed by a ReLU.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]` of `shape`
/// - filters: `[channels_out, (m + 2)², channels_in]`, from [`transform_filters`] for `shape`
/// - bias: `[channels_out]`
/// - output: `[batch, channels_out, height, width]`
pub(crate) fn conv3x3_winograd(
    input: &[f32],
    filters: &WinogradFilters,
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
    relu: bool,
) -> Vec<f32> {
    convolve(input, None, filters, bias, shape, relu)
}

/// [`conv3x3_winograd`] (no bias, no ReLU after) of `input` where `relu_output` is
/// positive and zero elsewhere: the input gradient of a convolution whose output went
/// through a ReLU, from the gradient of the ReLU's output, without a masked copy.
///
/// # Shapes
/// - input, relu_output: `[batch, channels_in, height, width]` of `shape`
/// - filters, output: as for [`conv3x3_winograd`]
pub(crate) fn conv3x3_winograd_through_relu(
    input: &[f32],
    relu_output: &[f32],
    filters: &WinogradFilters,
    shape: Conv3x3Shape,
) -> Vec<f32> {
    assert_eq!(relu_output.len(), input.len());
    convolve(
        input,
        Some((relu_output, false)),
        filters,
        None,
        shape,
        false,
    )
}

/// [`conv3x3_winograd_through_relu`] of the 2×2 max-pool's input gradient: `input` is the
/// gradient of the max-pool of `relu_output` (the pooled gradient), which each input row
/// routes to its window's maximum as it reads it; the gradient at full size is never
/// written. The result equals that convolution of `max_pool2x2_backward(relu_output,
/// input)` to the bit.
///
/// # Shapes
/// - input: `[batch, channels_in, height / 2, width / 2]` of `shape`
/// - relu_output: `[batch, channels_in, height, width]`
/// - filters, output: as for [`conv3x3_winograd`]
pub(crate) fn conv3x3_winograd_through_relu_pool(
    input: &[f32],
    relu_output: &[f32],
    filters: &WinogradFilters,
    shape: Conv3x3Shape,
) -> Vec<f32> {
    assert_eq!(
        relu_output.len(),
        shape.batch * shape.channels_in * shape.plane()
    );
    convolve(
        input,
        Some((relu_output, true)),
        filters,
        None,
        shape,
        false,
    )
}

#[allow(unsafe_code)]
fn convolve(
    input: &[f32],
    input_relu_output: Option<(&[f32], bool)>,
    filters: &WinogradFilters,
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
    relu: bool,
) -> Vec<f32> {
    let (ins, outs) = (shape.channels_in, shape.channels_out);
    let (tile, points) = (filters.tile, filters.tile.points());
    let filters = &filters.values[..];
    let plane = shape.plane();
    // The input's own plane: the pooled gradient's is a quarter of the output's.
    let pooled = input_relu_output.is_some_and(|(_, pooled)| pooled);
    let input_plane = if pooled {
        (shape.height / 2) * (shape.width / 2)
    } else {
        plane
    };
    assert_eq!(input.len(), shape.batch * ins * input_plane);
    assert_eq!(filters.len(), outs * points * ins);
    if let Some(bias) = bias {
        assert_eq!(bias.len(), outs);
    }
    let len = shape.batch * outs * plane;
    // Not zeroed: every element is written once, by the output transform (below).
    let mut output: Vec<f32> = Vec::with_capacity(len);
    if len == 0 {
        return output;
    }
    let band_rows = band_rows(shape, tile, rayon::current_num_threads());
    let tiles_h = shape.height.div_ceil(tile.side());
    let bands: Vec<Band> = (0..shape.batch)
        .flat_map(|image| {
            (0..tiles_h).step_by(band_rows).map(move |tile_row| Band {
                tile,
                image,
                tile_row,
                tile_rows: band_rows.min(tiles_h - tile_row),
            })
        })
        .collect();
    let band_outputs = split_output(&mut output.spare_capacity_mut()[..len], &bands, shape);
    let tiles_w = shape.width.div_ceil(tile.side());
    // Enough bands for the threads: each band on one thread, start to end, its `V` and
    // `M` in that thread's cache. Fewer (deep layers of small images): the bands in turn,
    // each phase (input transform by channels, products by ξ, output transform by
    // channels) split across the threads, so `U` is packed once per band, not per thread.
    let split_phases = bands.len() < rayon::current_num_threads();
    let run_band = |(band, band_output): (Band, BandOutput<'_>)| {
        let tiles = band.tile_rows * tiles_w;
        with_scratch(points * (ins + outs) * tiles, |scratch| {
            let (transformed_input, products) = scratch.split_at_mut(points * ins * tiles);
            let source = &input[band.image * ins * input_plane..][..ins * input_plane];
            let relu_output = input_relu_output
                .map(|(output, _)| &output[band.image * ins * plane..][..ins * plane]);
            let input_channel = |rows: &mut InputRows, (c, v): (usize, &mut [f32])| {
                let plane = Plane {
                    values: &source[c * input_plane..][..input_plane],
                    relu_output: relu_output.map(|output| &output[c * plane..][..plane]),
                    pooled,
                };
                rows.transform(v, plane);
            };
            if split_phases {
                transformed_input
                    .par_chunks_mut(points * tiles)
                    .enumerate()
                    .for_each_init(|| InputRows::new(shape, band), input_channel);
            } else {
                let mut rows = InputRows::new(shape, band);
                transformed_input
                    .chunks_exact_mut(points * tiles)
                    .enumerate()
                    .for_each(|channel| input_channel(&mut rows, channel));
            }
            let transformed_input = &*transformed_input;
            // M[ξ] = U[ξ] · V[ξ]: `M` is `[outs, points, tiles]`, `U` `[outs, points, ins]`,
            // `V` `[ins, points, tiles]`, so each is column block ξ of its `[rows, points ·
            // columns]` matrix; the blocks of `M` are disjoint views, written in parallel.
            let product = |(xi, m): (usize, MatMut<'_>)| {
                let u = MatRef::new(filters, strided_block(xi, points, outs, ins));
                let v = MatRef::new(transformed_input, strided_block(xi, points, ins, tiles));
                gemm(m, Accum::Replace, u, v, gemm::Parallelism::None);
            };
            let blocks = column_blocks(products, points, outs, tiles);
            if split_phases {
                blocks.into_par_iter().enumerate().for_each(product);
            } else {
                blocks.into_iter().enumerate().for_each(product);
            }
            // The products are done and their views gone: `M` is only read from here on.
            let products = &*products;
            let output_channel =
                |columns: &mut OutputColumns, (o, out): (usize, &mut [MaybeUninit<f32>])| {
                    columns.transform(
                        out,
                        &products[o * points * tiles..][..points * tiles],
                        bias.map_or(0.0, |bias| bias[o]),
                        relu,
                    );
                };
            if split_phases {
                band_output
                    .into_par_iter()
                    .enumerate()
                    .for_each_init(|| OutputColumns::new(shape, band), output_channel);
            } else {
                let mut columns = OutputColumns::new(shape, band);
                band_output
                    .into_iter()
                    .enumerate()
                    .for_each(|channel| output_channel(&mut columns, channel));
            }
        });
    };
    if split_phases {
        bands.into_iter().zip(band_outputs).for_each(run_band);
    } else {
        bands.into_par_iter().zip(band_outputs).for_each(run_band);
    }
    // SAFETY: `split_output` cut the first `len` elements into pieces that cover them all
    // (it asserts that each channel plane is used up exactly), `run_band` ran for every
    // band, and `OutputColumns::transform` writes every element of each piece it is given
    // (it asserts the piece's length and walks all of its rows), once per output channel
    // of the band. So all `len` elements are initialised.
    unsafe { output.set_len(len) };
    output
}

/// Column block `xi` of the `[rows, points · cols]` row-major matrix: `[rows, cols]` with
/// row stride `points · cols`.
fn strided_block(xi: usize, points: usize, rows: usize, cols: usize) -> Layout {
    Layout {
        start: xi * cols,
        rows,
        cols,
        row_stride: points * cols,
        col_stride: 1,
    }
}

/// `m` (`[rows, points, cols]`) as its column blocks `M[ξ]`, each `[rows, cols]`.
fn column_blocks(m: &mut [f32], points: usize, rows: usize, cols: usize) -> Vec<MatMut<'_>> {
    let mut rest = MatMut::new(m, Layout::row_major(0, rows, points * cols));
    let mut blocks = Vec::with_capacity(points);
    for _ in 0..points {
        let (block, after) = rest.split_at_col(cols);
        blocks.push(block);
        rest = after;
    }
    blocks
}

#[cfg(test)]
mod tests;
