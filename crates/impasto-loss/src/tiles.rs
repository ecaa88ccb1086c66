//! How an image is cut into tiles for an evaluation whose memory does not grow with the
//! picture ([`TotalLoss::evaluate_tiled`](crate::TotalLoss::evaluate_tiled)).
//!
//! # Exactness
//!
//! Each tile owns a *core*, a rectangle of the image; the cores cover it without overlap.
//! The network sees the core with a *halo* of the image around it (clipped at the image's
//! edges), and every feature is taken only from the core's positions at its layer. Those
//! features equal the whole image's when two things hold:
//!
//! - **Alignment.** Cores start on multiples of `2^k` pixels, `k` the deepest layer's
//!   poolings, and the halo is a multiple of it too: every pooling window of the tile is
//!   then one of the whole image's, and the core's positions at each layer are whole
//!   positions of the image's grid.
//! - **The halo covers the border's reach.** Where a tile's input is cut inside the image,
//!   each convolution pads with zeros that the whole image does not have there. The
//!   wrong values reach one position further in per 3×3 convolution and are halved
//!   (rounded up) by each 2×2 pooling. [`halo`] follows that through the network to the
//!   deepest layer used: VGG16's relu5_1 is wrong at most 4 positions (64 pixels) in from
//!   a cut, so a halo of 64 pixels is exact, less than half the layer's receptive field
//!   (132 pixels), which would also be exact but larger than needed.
//!
//! Where a tile meets the image's own edge it is not cut, and the padding is the whole
//! image's: the tile needs no halo there.

use std::ops::Range;

#[cfg(doc)]
use impasto_vgg::Vgg;
use impasto_vgg::{LayerKind, VggLayer};

use crate::LossError;

/// One tile: its core (the pixels it owns) and the input the network sees for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The core's rows, pixels.
    pub rows: Range<usize>,
    /// The core's columns, pixels.
    pub columns: Range<usize>,
    /// The rows the network sees: the core's with the halo, clipped to the image.
    pub input_rows: Range<usize>,
    /// The columns the network sees.
    pub input_columns: Range<usize>,
}

/// A tile's positions at one layer: where they are in the tile's features (`local`) and
/// in the whole image's (`global`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerWindow {
    /// Rows and columns in the tile's feature map.
    pub local: [Range<usize>; 2],
    /// The same positions' rows and columns in the whole image's feature map.
    pub global: [Range<usize>; 2],
}

impl LayerWindow {
    /// Every position of a `[height, width]` map: an untiled evaluation's window.
    pub fn whole(size: [usize; 2]) -> Self {
        let [rows, columns] = [0..size[0], 0..size[1]];
        Self {
            local: [rows.clone(), columns.clone()],
            global: [rows, columns],
        }
    }
}

impl Tile {
    /// The core's positions at a layer `downsamplings` poolings deep, for an image of
    /// `image` = `[height, width]` pixels. Empty where the core is too thin to own a
    /// position there (a last core narrower than the layer's stride).
    pub fn layer_window(&self, downsamplings: u32, image: [usize; 2]) -> LayerWindow {
        let stride = 1usize << downsamplings;
        let axis = |core: &Range<usize>, input: &Range<usize>, extent: usize| {
            // A core that ends at the image's edge takes the layer's last (floored)
            // position; inner cores end on a multiple of the stride.
            let end = if core.end == extent {
                extent / stride
            } else {
                core.end / stride
            };
            let start = (core.start / stride).min(end);
            let offset = input.start / stride;
            (start - offset..end - offset, start..end)
        };
        let (local_rows, global_rows) = axis(&self.rows, &self.input_rows, image[0]);
        let (local_columns, global_columns) = axis(&self.columns, &self.input_columns, image[1]);
        LayerWindow {
            local: [local_rows, local_columns],
            global: [global_rows, global_columns],
        }
    }

    /// Pixels the network sees for this tile.
    pub fn input_pixels(&self) -> usize {
        self.input_rows.len() * self.input_columns.len()
    }
}

/// An image cut into tiles: cores of `core × core` pixels (the last row and column of
/// cores take what is left), each seen with `halo` pixels around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileGrid {
    size: [usize; 2],
    core: usize,
    halo: usize,
    tiles: Vec<Tile>,
}

impl TileGrid {
    /// Tiles of `core` pixels with a halo of `halo` for a `[height, width]` image, for a
    /// network whose deepest layer pools `downsamplings` times.
    ///
    /// # Errors
    /// [`LossError::TileSize`] if `core` or `halo` is not a multiple of `2^downsamplings`,
    /// or `core` is 0.
    pub fn new(
        size: [usize; 2],
        core: usize,
        halo: usize,
        downsamplings: u32,
    ) -> Result<Self, LossError> {
        let align = 1usize << downsamplings;
        if core == 0 || !core.is_multiple_of(align) || !halo.is_multiple_of(align) {
            return Err(LossError::TileSize { core, halo, align });
        }
        let cuts = |extent: usize| {
            (0..extent.div_ceil(core).max(1)).map(move |i| {
                let core_range = i * core..((i + 1) * core).min(extent);
                let input =
                    core_range.start.saturating_sub(halo)..(core_range.end + halo).min(extent);
                (core_range, input)
            })
        };
        let mut tiles = Vec::new();
        for (rows, input_rows) in cuts(size[0]) {
            for (columns, input_columns) in cuts(size[1]) {
                tiles.push(Tile {
                    rows: rows.clone(),
                    columns,
                    input_rows: input_rows.clone(),
                    input_columns,
                });
            }
        }
        Ok(Self {
            size,
            core,
            halo,
            tiles,
        })
    }

    /// The tiles, row by row.
    pub fn tiles(&self) -> &[Tile] {
        &self.tiles
    }

    /// The image's `[height, width]`.
    pub fn size(&self) -> [usize; 2] {
        self.size
    }

    /// The cores' side, pixels.
    pub fn core(&self) -> usize {
        self.core
    }

    /// The halo, pixels.
    pub fn halo(&self) -> usize {
        self.halo
    }

    /// The largest input a tile gives the network, pixels: what sets the peak memory.
    pub fn largest_input_pixels(&self) -> usize {
        self.tiles.iter().map(Tile::input_pixels).max().unwrap_or(0)
    }

    /// Pixels the network sees over all tiles: what sets the time, against the image's
    /// own pixels.
    pub fn input_pixels(&self) -> usize {
        self.tiles.iter().map(Tile::input_pixels).sum()
    }
}

/// The smallest exact halo, pixels, for features at `layers` of a network made of
/// `network` (its layers in order: [`Vgg::layers`], or
/// [`VggArchitecture::layers`](impasto_vgg::VggArchitecture::layers)): how far in from a
/// cut the padding's zeros reach by the deepest of them, rounded up to a multiple of that
/// layer's stride (see the [module](self) documentation).
pub fn halo(network: &[VggLayer], layers: &[VggLayer]) -> usize {
    let Some(&deepest) = layers.iter().max() else {
        return 0;
    };
    let (mut reach, mut stride, mut needed) = (0usize, 1usize, 0usize);
    for &layer in network {
        if layer > deepest {
            break;
        }
        match layer.kind() {
            LayerKind::Conv => reach += 1,
            LayerKind::Pool => {
                reach = reach.div_ceil(2);
                stride *= 2;
            }
            LayerKind::Relu => {}
        }
        if layers.contains(&layer) {
            needed = needed.max(reach * stride);
        }
    }
    let align = deepest.min_input_side();
    needed.div_ceil(align) * align
}

/// The poolings before the deepest of `layers` (0 for none): tiles align to `2^` it.
pub fn alignment(layers: &[VggLayer]) -> u32 {
    layers.iter().map(|l| l.downsamplings()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use impasto_vgg::VggConfig;

    #[test]
    fn vgg16_relu5_1_needs_64_pixels_and_relu4_2_40() {
        let device = burn::tensor::Device::flex();
        let vgg = VggConfig::new().with_seed(1).init(&device);
        let style = [
            VggLayer::Relu1_1,
            VggLayer::Relu2_1,
            VggLayer::Relu3_1,
            VggLayer::Relu4_1,
            VggLayer::Relu5_1,
        ];
        assert_eq!(halo(vgg.layers(), &style), 64);
        // relu4_2: 5 positions at stride 8 = 40 pixels, rounded to its stride of 8.
        assert_eq!(halo(vgg.layers(), &[VggLayer::Relu4_2]), 40);
        // relu1_1 alone: one convolution, one pixel.
        assert_eq!(halo(vgg.layers(), &[VggLayer::Relu1_1]), 1);
        assert_eq!(halo(vgg.layers(), &[]), 0);
    }

    #[test]
    fn cores_cover_the_image_once_and_windows_meet() {
        let grid = TileGrid::new([70, 50], 32, 16, 4).unwrap();
        assert_eq!(grid.tiles().len(), 3 * 2);
        let mut covered = vec![0; 70 * 50];
        for tile in grid.tiles() {
            for r in tile.rows.clone() {
                for c in tile.columns.clone() {
                    covered[r * 50 + c] += 1;
                }
            }
            assert!(
                tile.input_rows.start <= tile.rows.start && tile.rows.end <= tile.input_rows.end
            );
        }
        assert!(covered.iter().all(|&n| n == 1));
        // At a layer 2 poolings deep (17 × 12 positions) the windows cover it once.
        let mut at_layer = vec![0; 17 * 12];
        for tile in grid.tiles() {
            let w = tile.layer_window(2, [70, 50]);
            assert_eq!(w.local[0].len(), w.global[0].len());
            for r in w.global[0].clone() {
                for c in w.global[1].clone() {
                    at_layer[r * 12 + c] += 1;
                }
            }
        }
        assert!(at_layer.iter().all(|&n| n == 1));
    }

    #[test]
    fn refuses_unaligned_tiles() {
        assert!(matches!(
            TileGrid::new([64, 64], 24, 16, 4),
            Err(LossError::TileSize { align: 16, .. })
        ));
        assert!(TileGrid::new([64, 64], 32, 8, 4).is_err());
        assert!(TileGrid::new([64, 64], 0, 0, 0).is_err());
    }
}
