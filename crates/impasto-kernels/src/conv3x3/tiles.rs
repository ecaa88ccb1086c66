//! The im2col path's tiles: the output cut into blocks of whole rows, each block's im2col
//! matrix built in a thread's scratch, each block's share of the output handed out as its
//! own matrix view.

use rayon::prelude::*;

use super::Conv3x3Shape;
use crate::matrix::{Layout, MatMut};
use crate::scratch::with_scratch;

/// Output pixels per tile: measured best on the 2-core VM (256 and 1024 were 5–20 % slower
/// over VGG16's layers at 224 px); big enough that packing the weights once per tile is
/// small beside the tile's product, small enough that a tile's im2col stays in L2 for the
/// early layers.
const TILE_PIXELS: usize = 512;

/// Below this many pixels a tile's product is dominated by packing the weights: VGG's
/// 14×14 layer's input gradient ran slower in two 98-pixel tiles than as one tile that
/// gemm splits (docs/benchmarks.md).
const MIN_TILE_PIXELS: usize = 256;

/// Rows per tile: about [`TILE_PIXELS`] pixels, the tile count rounded up to a multiple of
/// the threads so none idles at the end (28×28 in 512-pixel tiles would be 504 + 280
/// pixels: one thread waiting 44 % of the layer; measured +20–30 % at VGG's 28×28
/// layers with even tiles). Images too small for [`MIN_TILE_PIXELS`] per thread stay one
/// tile, which gemm then splits itself.
pub(super) fn tile_rows(height: usize, width: usize, threads: usize) -> usize {
    let pixels = height * width;
    let mut tiles = pixels.div_ceil(TILE_PIXELS);
    if pixels >= threads * MIN_TILE_PIXELS {
        tiles = tiles.next_multiple_of(threads.max(1));
    }
    height.div_ceil(tiles.clamp(1, height))
}

/// A block of output rows of one image.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tile {
    image: usize,
    /// First output row.
    row: usize,
    /// Output pixels: rows · width.
    pub(super) pixels: usize,
}

/// Cuts the outputs of `shape` into tiles of whole rows, ~[`TILE_PIXELS`] each, builds
/// each tile's im2col matrix (`[channels · 9, pixels]`, from `source`, which has
/// `channels` channels) and hands it to `product` with the tile's block of `output` and the
/// parallelism to give gemm.
///
/// `output` is `[batch, shape.channels_out, height, width]`, non-empty; a tile's block is
/// its rows of every output channel of its image: a `[channels_out, pixels]` view with
/// row stride `height · width`. The blocks are disjoint views (split from one borrow of
/// `output`), so threads fill them in parallel.
pub(super) fn for_each_tile(
    shape: Conv3x3Shape,
    channels: usize,
    source: &[f32],
    output: &mut [f32],
    product: impl Fn(Tile, &[f32], MatMut<'_>, gemm::Parallelism) + Sync,
) {
    let plane = shape.plane();
    let tile_rows = tile_rows(shape.height, shape.width, rayon::current_num_threads());
    let tiles_per_image = shape.height.div_ceil(tile_rows);
    let mut tiles = Vec::with_capacity(shape.batch * tiles_per_image);
    for (image, image_output) in output
        .chunks_exact_mut(shape.channels_out * plane)
        .enumerate()
    {
        let mut rest = MatMut::new(
            image_output,
            Layout {
                start: 0,
                rows: shape.channels_out,
                cols: plane,
                row_stride: plane,
                col_stride: 1,
            },
        );
        for t in 0..tiles_per_image {
            let row = t * tile_rows;
            let pixels = tile_rows.min(shape.height - row) * shape.width;
            let (block, after) = rest.split_at_col(pixels);
            rest = after;
            tiles.push((Tile { image, row, pixels }, block));
        }
        debug_assert_eq!(rest.cols(), 0, "the tiles cover every row");
    }
    let source_shape = Conv3x3Shape {
        channels_in: channels,
        ..shape
    };
    let run = |(tile, block): (Tile, MatMut<'_>), parallelism| {
        with_scratch(channels * 9 * tile.pixels, |columns| {
            let rows = tile.pixels / shape.width;
            im2col_rows(columns, source, source_shape, tile.image, tile.row, rows);
            product(tile, columns, block, parallelism);
        });
    };
    // Enough tiles to share among the threads: one product per tile, tiles in parallel
    // (no synchronisation inside a product). Fewer (deep layers of small images): the
    // tiles in turn, each product split across the threads by gemm.
    if tiles.len() >= rayon::current_num_threads() {
        tiles
            .into_par_iter()
            .for_each(|tile| run(tile, gemm::Parallelism::None));
    } else {
        tiles
            .into_iter()
            .for_each(|tile| run(tile, gemm::Parallelism::Rayon(0)));
    }
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
