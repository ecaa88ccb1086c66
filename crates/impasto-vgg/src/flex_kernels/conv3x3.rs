//! The 3×3, stride 1, padding 1 convolution on `f32` slices: im2col one tile of output
//! rows at a time, then one matrix product per tile written straight into the output.
//!
//! Why not burn-flex's convolution: it converts the whole input to NHWC, builds im2col
//! tiles in that order, multiplies into a fresh buffer per tile and scatters the result
//! back into NCHW; on VGG16 at 224 px that reached 113 GFLOP/s forward on the 2-core VM.
//! Here a tile is built straight from NCHW rows (each im2col row is a shifted copy of
//! input rows, so it is a handful of `memcpy`s) and the product lands in the output with
//! its row stride, so no intermediate result exists. Measured in docs/benchmarks.md.

// The matrix product is `gemm`'s, whose entry point takes raw pointers; this file is the
// only one in the workspace with `unsafe`, and each block says why it holds.
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
pub(crate) fn conv3x3_same(
    input: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
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
    let mut gradient = vec![0.0f32; shape.batch * shape.channels_in * plane];
    if gradient.is_empty() || shape.channels_out == 0 {
        return gradient;
    }
    let destination = OutputPointer(gradient.as_mut_ptr());
    let gradient_shape = Conv3x3Shape {
        channels_in: shape.channels_out,
        channels_out: shape.channels_in,
        ..shape
    };
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
    /// a fresh one per tile cost 5–6 % of an evaluation (`memset` in `perf`). At most
    /// `512 · 9 · channels` floats (9.4 MB for VGG's 512 channels) per thread.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` floats of this thread's scratch buffer (contents unspecified), or on a
/// fresh buffer if the scratch is in use (a nested call through rayon work-stealing).
fn with_scratch<T>(len: usize, f: impl FnOnce(&mut [f32]) -> T) -> T {
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
/// shifted by `(ky − 1, kx − 1)`, zero where the shift leaves the image. Every element
/// is written, so `columns` may hold anything before.
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
        let source =
            &input[(image * shape.channels_in + channel) * shape.plane()..][..shape.plane()];
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

/// The output's base pointer, shared by the tiles (each writes its own block).
#[derive(Clone, Copy)]
struct OutputPointer(*mut f32);

// SAFETY: the pointer is only offset and handed to `gemm` for disjoint blocks (see the
// product's SAFETY note); the buffer outlives every tile because the tiles run inside
// `conv3x3_same`, which owns it.
unsafe impl Send for OutputPointer {}
unsafe impl Sync for OutputPointer {}

impl OutputPointer {
    fn at(self, offset: usize) -> *mut f32 {
        self.0.wrapping_add(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, summed in f64: the reference the fast path is held to.
    fn direct(input: &[f32], weights: &[f32], bias: Option<&[f32]>, s: Conv3x3Shape) -> Vec<f32> {
        let (h, w) = (s.height as isize, s.width as isize);
        let mut out = vec![0.0f32; s.batch * s.channels_out * s.plane()];
        for n in 0..s.batch {
            for o in 0..s.channels_out {
                for y in 0..h {
                    for x in 0..w {
                        let mut sum = bias.map_or(0.0, |b| f64::from(b[o]));
                        for c in 0..s.channels_in {
                            for k in 0..9 {
                                let (iy, ix) = (y + k as isize / 3 - 1, x + k as isize % 3 - 1);
                                if iy < 0 || ix < 0 || iy >= h || ix >= w {
                                    continue;
                                }
                                let pixel = input[((n * s.channels_in + c) * s.plane())
                                    + (iy * w + ix) as usize];
                                let weight = weights[(o * s.channels_in + c) * 9 + k];
                                sum += f64::from(pixel) * f64::from(weight);
                            }
                        }
                        out[(n * s.channels_out + o) * s.plane() + (y * w + x) as usize] =
                            sum as f32;
                    }
                }
            }
        }
        out
    }

    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn max_difference(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - b).abs())
            // NaN counts as infinitely far (`f32::max` would skip it).
            .map(|d| if d.is_nan() { f32::INFINITY } else { d })
            .fold(0.0, f32::max)
    }

    /// Shapes that exercise one and many tiles per image, a tile cut short at the bottom,
    /// widths of 1 and 2 (every shift leaves the image), more than one image, and sides
    /// past `TILE_PIXELS` (one row per tile).
    const SHAPES: [(usize, usize, usize, usize, usize); 7] = [
        (1, 3, 4, 5, 7),
        (2, 5, 6, 9, 11),
        (1, 2, 3, 1, 1),
        (1, 4, 2, 6, 2),
        (3, 8, 5, 40, 33),
        (1, 3, 2, 3, 600),
        (1, 16, 9, 130, 17),
    ];

    /// Fills every thread's im2col scratch with NaN, so an element the im2col leaves
    /// unwritten shows in the result.
    fn poison_scratch() {
        let poison = || with_scratch(1 << 18, |scratch| scratch.fill(f32::NAN));
        poison();
        rayon::broadcast(|_| poison());
    }

    #[test]
    fn matches_the_definition() {
        for (i, &(batch, channels_in, channels_out, height, width)) in SHAPES.iter().enumerate() {
            poison_scratch();
            let s = Conv3x3Shape {
                batch,
                channels_in,
                channels_out,
                height,
                width,
            };
            let input = values(batch * channels_in * height * width, 3 * i as u64 + 1);
            let weights = values(channels_out * channels_in * 9, 3 * i as u64 + 2);
            let bias = values(channels_out, 3 * i as u64 + 3);
            let fast = conv3x3_same(&input, &weights, Some(&bias), s);
            let reference = direct(&input, &weights, Some(&bias), s);
            let error = max_difference(&fast, &reference);
            assert!(error < 1e-5, "shape {s:?}: max difference {error}");
            let unbiased = conv3x3_same(&input, &weights, None, s);
            let error = max_difference(&unbiased, &direct(&input, &weights, None, s));
            assert!(
                error < 1e-5,
                "shape {s:?} without bias: max difference {error}"
            );
        }
    }

    /// The input gradient against its formula written out, summed in f64.
    #[test]
    fn input_gradient_matches_the_definition() {
        for (i, &(batch, channels_in, channels_out, height, width)) in SHAPES.iter().enumerate() {
            let s = Conv3x3Shape {
                batch,
                channels_in,
                channels_out,
                height,
                width,
            };
            let weights = values(channels_out * channels_in * 9, 5 * i as u64 + 7);
            let grad_out = values(batch * channels_out * s.plane(), 5 * i as u64 + 8);
            poison_scratch();
            let fast = conv3x3_same_input_gradient(&grad_out, &weights, s);
            // ∂L/∂x[n,c,iy,ix] = Σ_{o,k} w[o,c,k] · g[n,o,iy−ky+1,ix−kx+1]
            let (h, w) = (height as isize, width as isize);
            let mut reference = vec![0.0f32; batch * channels_in * s.plane()];
            for n in 0..batch {
                for c in 0..channels_in {
                    for iy in 0..h {
                        for ix in 0..w {
                            let mut sum = 0.0f64;
                            for o in 0..channels_out {
                                for k in 0..9 {
                                    let (y, x) = (iy - k as isize / 3 + 1, ix - k as isize % 3 + 1);
                                    if y < 0 || x < 0 || y >= h || x >= w {
                                        continue;
                                    }
                                    sum += f64::from(weights[(o * channels_in + c) * 9 + k])
                                        * f64::from(
                                            grad_out[(n * channels_out + o) * s.plane()
                                                + (y * w + x) as usize],
                                        );
                                }
                            }
                            reference[(n * channels_in + c) * s.plane() + (iy * w + ix) as usize] =
                                sum as f32;
                        }
                    }
                }
            }
            let error = max_difference(&fast, &reference);
            assert!(error < 1e-5, "shape {s:?}: max difference {error}");
        }
    }

    #[test]
    fn tiles_are_even_across_threads() {
        // [height, width, threads] → rows per tile
        assert_eq!(tile_rows(224, 224, 2), 3); // 75 tiles of 672 pixels
        assert_eq!(tile_rows(56, 56, 2), 7); // 8 tiles of 392
        assert_eq!(tile_rows(28, 28, 2), 14); // 2 tiles of 392, not 504 + 280
        assert_eq!(tile_rows(14, 14, 2), 14); // one tile: 98 pixels a thread is too few
        assert_eq!(tile_rows(3, 600, 2), 1); // wider than a tile: one row each
        assert_eq!(tile_rows(5, 7, 1), 5);
        assert_eq!(tile_rows(1, 1, 16), 1);
    }

    #[test]
    fn empty_batch_gives_an_empty_output() {
        let s = Conv3x3Shape {
            batch: 0,
            channels_in: 2,
            channels_out: 3,
            height: 4,
            width: 4,
        };
        assert!(conv3x3_same(&[], &values(54, 1), None, s).is_empty());
    }
}
