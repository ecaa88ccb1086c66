//! The bands of tile rows an image is cut into: each transformed, multiplied and
//! transformed back by one thread while its `V` and `M` stay in cache.

use std::mem::MaybeUninit;

use super::Tile;
use crate::conv3x3::Conv3x3Shape;

/// Tile rows per band: about [`BAND_BYTES`] of `V` and `M` together and at
/// least [`MIN_BAND_TILES`] tiles, the band count rounded up to a multiple of the threads
/// so none idles at the end. Where that leaves fewer bands than threads, whole images:
/// their phases are then split across the threads instead (see [`super::conv3x3_winograd`]).
pub(super) fn band_rows(shape: Conv3x3Shape, tile: Tile, threads: usize) -> usize {
    let side = tile.side();
    let (tiles_h, tiles_w) = (shape.height.div_ceil(side), shape.width.div_ceil(side));
    let bytes_per_tile = tile.points() * (shape.channels_in + shape.channels_out) * 4;
    let per_band = (BAND_BYTES / bytes_per_tile).max(MIN_BAND_TILES);
    let bands = (tiles_h * tiles_w).div_ceil(per_band);
    if bands * shape.batch < threads {
        return tiles_h.max(1);
    }
    let bands = bands.next_multiple_of(threads.max(1));
    tiles_h.div_ceil(bands.clamp(1, tiles_h))
}

/// Fewest tiles in a band: every band packs all of `U` (`(m + 2)² · channels_out ·
/// channels_in`) for its products, so a band needs enough tiles to amortise that.
const MIN_BAND_TILES: usize = 256;

/// `V` and `M` of one band: small bands pack each `U[ξ]` once per band for little work,
/// and beyond a few MB the time was flat (docs/benchmarks.md).
const BAND_BYTES: usize = 4 << 20;

/// A band of tile rows of one image.
#[derive(Debug, Clone, Copy)]
pub(super) struct Band {
    pub(super) tile: Tile,
    pub(super) image: usize,
    /// First tile row (output row `m · tile_row`).
    pub(super) tile_row: usize,
    pub(super) tile_rows: usize,
}

impl Band {
    /// Output rows of the band: `m` per tile row, the last tile row cut short where the
    /// height is not a multiple of `m`.
    pub(super) fn output_rows(&self, height: usize) -> usize {
        let side = self.tile.side();
        (side * self.tile_rows).min(height - side * self.tile_row)
    }

    /// The image row under the band's input row `r` (row 0 is one above the band's first
    /// output row), or `None` where that falls in the zero padding.
    pub(super) fn input_row(&self, r: usize, height: usize) -> Option<usize> {
        (self.tile.side() * self.tile_row + r)
            .checked_sub(1)
            .filter(|&y| y < height)
    }
}

/// One band's share of the output: for each output channel, the band's rows of that
/// channel's plane (not yet written).
pub(super) type BandOutput<'a> = Vec<&'a mut [MaybeUninit<f32>]>;

/// The output (`[batch, channels_out, height, width]`, not yet written) cut into each
/// band's rows of each output channel: disjoint slices that together cover it all.
pub(super) fn split_output<'a>(
    output: &'a mut [MaybeUninit<f32>],
    bands: &[Band],
    shape: Conv3x3Shape,
) -> Vec<BandOutput<'a>> {
    let plane = shape.plane();
    let mut per_band: Vec<BandOutput<'a>> = bands
        .iter()
        .map(|_| Vec::with_capacity(shape.channels_out))
        .collect();
    // The bands come image by image, each image's from the top.
    let mut first = 0;
    for (image, image_output) in output
        .chunks_exact_mut(shape.channels_out * plane)
        .enumerate()
    {
        let count = bands[first..]
            .iter()
            .take_while(|band| band.image == image)
            .count();
        let image_bands = &bands[first..][..count];
        let image_pieces = &mut per_band[first..][..count];
        first += count;
        for channel in image_output.chunks_exact_mut(plane) {
            let mut rest = channel;
            for (band, pieces) in image_bands.iter().zip(image_pieces.iter_mut()) {
                let rows = band.output_rows(shape.height);
                let (piece, after) = std::mem::take(&mut rest).split_at_mut(rows * shape.width);
                pieces.push(piece);
                rest = after;
            }
            assert!(rest.is_empty(), "the bands cover every row");
        }
    }
    assert_eq!(first, bands.len(), "every band has its rows");
    per_band
}
