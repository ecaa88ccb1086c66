//! The 3×3, stride 1, padding 1 convolution on `f32` slices: im2col one tile of output
//! rows at a time, then one matrix product per tile written straight into the output.
//!
//! Why not burn-flex's convolution: it converts the whole input to NHWC, builds im2col
//! tiles in that order, multiplies into a fresh buffer per tile and scatters the result
//! back into NCHW; on VGG16 at 224 px that reached 113 GFLOP/s forward on the 2-core VM.
//! Here a tile is built straight from NCHW rows (each im2col row is a shifted copy of
//! input rows, so it is a handful of `memcpy`s) and the product lands in the output with
//! its row stride, so no intermediate result exists. Measured in docs/benchmarks.md.
//!
//! Most of VGG16's layers take [`super::winograd`] instead (fewer multiplications; the
//! extension chooses by `winograd_pays`); this path keeps the 3-channel layers and tiny
//! images.

// The matrix product is `gemm`'s, whose entry point takes raw pointers; this file,
// `winograd.rs` and impasto-loss's Gram kernel are the only ones with `unsafe`, each block
// saying why it holds.
#![allow(unsafe_code)]

use rayon::prelude::*;

/// Output pixels per tile: measured best on the 2-core VM (256 and 1024 were 5–20 % slower
/// over VGG16's layers at 224 px); big enough that packing the weights once per tile is
/// small beside the tile's product, small enough that a tile's im2col stays in L2 for the
/// early layers.
const TILE_PIXELS: usize = 512;

/// The shapes of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Conv3x3Shape {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Height of input and output.
    pub height: usize,
    /// Width of input and output.
    pub width: usize,
}

impl Conv3x3Shape {
    fn plane(&self) -> usize {
        self.height * self.width
    }

    /// Columns of the weight matrix: `channels_in · 9`.
    fn patch(&self) -> usize {
        self.channels_in * 9
    }
}

/// `out[n, o, y, x] = bias[o] + Σ_{c, ky, kx} weights[o, c·9 + 3·ky + kx] · input[n, c, y + ky − 1, x + kx − 1]`,
/// with zeros outside the image.
///
/// `weights` is `[channels_out, channels_in, 3, 3]` read as the `[channels_out,
/// channels_in · 9]` matrix it is in memory.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]`, contiguous
/// - weights: `[channels_out, channels_in · 9]`, contiguous
/// - bias: `[channels_out]`
/// - output: `[batch, channels_out, height, width]`, contiguous
///
/// With `relu`, the output is `max(out, 0)` (NaN kept), applied to each tile while it is
/// still in cache instead of as another pass over the whole output.
pub(crate) fn conv3x3_same(
    input: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
    relu: bool,
) -> Vec<f32> {
    let plane = shape.plane();
    assert_eq!(input.len(), shape.batch * shape.channels_in * plane);
    assert_eq!(weights.len(), shape.channels_out * shape.patch());
    if let Some(bias) = bias {
        assert_eq!(bias.len(), shape.channels_out);
    }
    let len = shape.batch * shape.channels_out * plane;
    let mut output = Vec::with_capacity(len);
    // The product accumulates onto the output, so it starts as the bias (one write pass,
    // which the allocation's first touch would cost anyway).
    for _ in 0..shape.batch {
        for o in 0..shape.channels_out {
            let value = bias.map_or(0.0, |bias| bias[o]);
            output.extend(std::iter::repeat_n(value, plane));
        }
    }
    if len == 0 || shape.channels_in == 0 {
        return output;
    }
    let destination = OutputPointer(output.as_mut_ptr());
    for_each_tile(
        shape,
        shape.channels_in,
        input,
        |tile, columns, parallelism| {
            let offset = tile.image * shape.channels_out * plane + tile.row * shape.width;
            // SAFETY: see `for_each_tile`: this writes `channels_out` rows of `tile.pixels`
            // elements at `offset + o · plane`, inside `output` and inside this tile's block.
            // `weights` is `[channels_out, patch]` and `columns` `[patch, pixels]`, as read.
            unsafe {
                gemm::gemm(
                    shape.channels_out,
                    tile.pixels,
                    shape.patch(),
                    destination.at(offset),
                    1,
                    plane as isize,
                    true,
                    weights.as_ptr(),
                    1,
                    shape.patch() as isize,
                    columns.as_ptr(),
                    1,
                    tile.pixels as isize,
                    1.0,
                    1.0,
                    false,
                    false,
                    false,
                    parallelism,
                );
            }
            if relu {
                for o in 0..shape.channels_out {
                    // SAFETY: the same block the product just wrote (this tile's, inside
                    // `output`), now finished; no other thread touches it.
                    let block = unsafe {
                        std::slice::from_raw_parts_mut(
                            destination.at(offset + o * plane),
                            tile.pixels,
                        )
                    };
                    // A select, stored unconditionally, so it vectorises: a conditional
                    // store was a scalar loop with a mispredicted branch per element
                    // (6 % of an evaluation in `perf`).
                    for value in block {
                        *value = if *value <= 0.0 { 0.0 } else { *value };
                    }
                }
            }
        },
    );
    output
}

/// `∂L/∂input` of [`conv3x3_same`] with these `weights` and `shape`, given
/// `output_gradient = ∂L/∂output`:
/// `∂L/∂input[n, c, i, j] = Σ_{o, ky, kx} weights[o, c·9 + 3·ky + kx] · output_gradient[n, o, i − ky + 1, j − kx + 1]`.
///
/// The same tiles, built from the output gradient: im2col row `o·9 + k'` holds
/// `output_gradient[o]` shifted by `(ky' − 1, kx' − 1)`, which is the shift weight
/// `8 − k'` pairs with. So the product splits into nine, one per `k'`, each
/// `weights[:, :, 8 − k']ᵀ · columns[k' rows]` with both operands read through strides:
/// no rotated, transposed copy of the weights is ever made.
///
/// After a fused ReLU, pass the output gradient through [`relu_gradient_in_place`] first.
///
/// # Shapes
/// - output_gradient: `[batch, channels_out, height, width]`, contiguous
/// - weights: `[channels_out, channels_in · 9]`, contiguous
/// - output: `[batch, channels_in, height, width]`, contiguous
pub(crate) fn conv3x3_same_input_gradient(
    output_gradient: &[f32],
    weights: &[f32],
    shape: Conv3x3Shape,
) -> Vec<f32> {
    let plane = shape.plane();
    assert_eq!(
        output_gradient.len(),
        shape.batch * shape.channels_out * plane
    );
    assert_eq!(weights.len(), shape.channels_out * shape.patch());
    let gradient_shape = Conv3x3Shape {
        channels_in: shape.channels_out,
        channels_out: shape.channels_in,
        ..shape
    };
    let mut gradient = vec![0.0f32; shape.batch * shape.channels_in * plane];
    if gradient.is_empty() || shape.channels_out == 0 {
        return gradient;
    }
    let destination = OutputPointer(gradient.as_mut_ptr());
    for_each_tile(
        gradient_shape,
        shape.channels_out,
        output_gradient,
        |tile, columns, parallelism| {
            let offset = tile.image * shape.channels_in * plane + tile.row * shape.width;
            for shift in 0..9 {
                // SAFETY: see `for_each_tile`: this writes `channels_in` rows of `tile.pixels`
                // elements at `offset + c · plane`, inside `gradient` and this tile's block.
                // The weights are read at `o · patch + c · 9 + 8 − shift` (o < channels_out,
                // c < channels_in: inside `weights`), the columns at
                // `(o · 9 + shift) · pixels + p` (inside the tile's `[channels_out · 9, pixels]`).
                unsafe {
                    gemm::gemm(
                        shape.channels_in,
                        tile.pixels,
                        shape.channels_out,
                        destination.at(offset),
                        1,
                        plane as isize,
                        shift > 0,
                        weights.as_ptr().add(8 - shift),
                        shape.patch() as isize,
                        9,
                        columns.as_ptr().add(shift * tile.pixels),
                        1,
                        (9 * tile.pixels) as isize,
                        1.0,
                        1.0,
                        false,
                        false,
                        false,
                        parallelism,
                    );
                }
            }
        },
    );
    gradient
}

/// Rows per tile: about [`TILE_PIXELS`] pixels, the tile count rounded up to a multiple of
/// the threads so none idles at the end (28×28 in 512-pixel tiles would be 504 + 280
/// pixels: one thread waiting 44 % of the layer; measured +20–30 % at VGG's 28×28
/// layers with even tiles). Images too small for [`MIN_TILE_PIXELS`] per thread stay one
/// tile, which gemm then splits itself.
fn tile_rows(height: usize, width: usize, threads: usize) -> usize {
    let pixels = height * width;
    let mut tiles = pixels.div_ceil(TILE_PIXELS);
    if pixels >= threads * MIN_TILE_PIXELS {
        tiles = tiles.next_multiple_of(threads.max(1));
    }
    height.div_ceil(tiles.clamp(1, height))
}

/// Below this many pixels a tile's product is dominated by packing the weights (the input
/// gradient of VGG's 14×14 layer in two 98-pixel tiles ran at 62–92 GFLOP/s, against
/// 104–121 as one tile split by gemm).
const MIN_TILE_PIXELS: usize = 256;

/// A block of output rows of one image.
#[derive(Debug, Clone, Copy)]
struct Tile {
    image: usize,
    /// First output row.
    row: usize,
    /// Output pixels: rows · width.
    pixels: usize,
}

/// Cuts the outputs of `shape` into tiles of whole rows, ~[`TILE_PIXELS`] each, builds
/// each tile's im2col matrix (`[channels · 9, pixels]`, from `source`, which has
/// `channels` channels) and hands it to `product` with the parallelism to give gemm.
///
/// The products write through raw pointers: each must write only its own tile's block
/// (its image, its rows, every output channel). Tiles are disjoint, so no two threads write
/// the same element, and the output is read only after this returns.
fn for_each_tile(
    shape: Conv3x3Shape,
    channels: usize,
    source: &[f32],
    product: impl Fn(Tile, &[f32], gemm::Parallelism) + Sync,
) {
    let tile_rows = tile_rows(shape.height, shape.width, rayon::current_num_threads());
    let tiles_per_image = shape.height.div_ceil(tile_rows);
    let tiles: Vec<Tile> = (0..shape.batch)
        .flat_map(|image| {
            (0..tiles_per_image).map(move |t| {
                let row = t * tile_rows;
                let rows = tile_rows.min(shape.height - row);
                Tile {
                    image,
                    row,
                    pixels: rows * shape.width,
                }
            })
        })
        .collect();
    let source_shape = Conv3x3Shape {
        channels_in: channels,
        ..shape
    };
    let run = |tile: &Tile, parallelism| {
        with_scratch(channels * 9 * tile.pixels, |columns| {
            let rows = tile.pixels / shape.width;
            im2col_rows(columns, source, source_shape, tile.image, tile.row, rows);
            product(*tile, columns, parallelism);
        });
    };
    // Enough tiles to share among the threads: one product per tile, tiles in parallel
    // (no synchronisation inside a product). Fewer (deep layers of small images): the
    // tiles in turn, each product split across the threads by gemm.
    if tiles.len() >= rayon::current_num_threads() {
        tiles
            .par_iter()
            .for_each(|tile| run(tile, gemm::Parallelism::None));
    } else {
        tiles
            .iter()
            .for_each(|tile| run(tile, gemm::Parallelism::Rayon(0)));
    }
}

thread_local! {
    /// Each thread's im2col buffer, kept between tiles and calls: allocating and zeroing
    /// a fresh one per tile cost 5–6 % of an evaluation (`memset` in `perf`). It grows to
    /// the largest tile seen, `9 · channels · tile pixels` floats (about 12 MB per thread
    /// for VGG's 512-channel layers) and is kept for the thread's life.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` floats of this thread's scratch buffer (contents unspecified), or on a
/// fresh buffer if the scratch is in use (a nested call through rayon work-stealing).
pub(super) fn with_scratch<T>(len: usize, f: impl FnOnce(&mut [f32]) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            if scratch.len() < len {
                scratch.resize(len, 0.0);
            }
            f(&mut scratch[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// Fills `columns` with the im2col matrix of output rows `row .. row + rows` of one image:
/// `[channels_in · 9, rows · width]`, row `c·9 + 3·ky + kx` holding input channel `c`
/// shifted by `(ky − 1, kx − 1)`, zero where the shift leaves the image. Every element is
/// written, so `columns` may hold anything before.
fn im2col_rows(
    columns: &mut [f32],
    input: &[f32],
    shape: Conv3x3Shape,
    image: usize,
    row: usize,
    rows: usize,
) {
    let (height, width) = (shape.height, shape.width);
    let tile = rows * width;
    debug_assert_eq!(columns.len(), shape.patch() * tile);
    for (patch_row, destination) in columns.chunks_exact_mut(tile).enumerate() {
        let channel = patch_row / 9;
        let (ky, kx) = ((patch_row % 9) / 3, patch_row % 3);
        let plane = (image * shape.channels_in + channel) * shape.plane();
        let source = &input[plane..][..shape.plane()];
        for (r, out_row) in destination.chunks_exact_mut(width).enumerate() {
            // Input row y + ky − 1; rows above or below the image are zero.
            let Some(y) = (row + r + ky).checked_sub(1).filter(|&y| y < height) else {
                out_row.fill(0.0);
                continue;
            };
            let in_row = &source[y * width..][..width];
            match kx {
                0 => {
                    out_row[0] = 0.0;
                    out_row[1..].copy_from_slice(&in_row[..width - 1]);
                }
                1 => out_row.copy_from_slice(in_row),
                _ => {
                    out_row[..width - 1].copy_from_slice(&in_row[1..]);
                    out_row[width - 1] = 0.0;
                }
            }
        }
    }
}

/// The gradient through a ReLU, in place: zero where the ReLU's output is ≤ 0.
///
/// # Shapes
/// - gradient, relu_output: the same length
pub(crate) fn relu_gradient_in_place(gradient: &mut [f32], relu_output: &[f32]) {
    assert_eq!(gradient.len(), relu_output.len());
    const CHUNK: usize = 1 << 14;
    gradient
        .par_chunks_mut(CHUNK)
        .zip(relu_output.par_chunks(CHUNK))
        .for_each(|(gradient, output)| {
            for (g, &y) in gradient.iter_mut().zip(output) {
                *g = if y > 0.0 { *g } else { 0.0 };
            }
        });
}

/// An output buffer's base pointer, shared by the threads that fill it (each writes its
/// own block: an im2col tile here, a Winograd band's rows or one product's `M[ξ]` in
/// `winograd.rs`).
#[derive(Clone, Copy)]
pub(super) struct OutputPointer(pub(super) *mut f32);

// SAFETY: the pointer is only offset and written through for disjoint blocks (see each
// write's SAFETY note); the buffer outlives every writer because they all run inside the
// function that owns it (`conv3x3_same`, `conv3x3_same_input_gradient`,
// `conv3x3_winograd`), which returns only after they finish.
unsafe impl Send for OutputPointer {}
unsafe impl Sync for OutputPointer {}

impl OutputPointer {
    pub(super) fn at(self, offset: usize) -> *mut f32 {
        self.0.wrapping_add(offset)
    }
}

#[cfg(test)]
#[path = "conv3x3_tests.rs"]
mod tests;
