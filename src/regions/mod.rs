//! Automatic regions: a photo split into N parts without hand painting, so that each part
//! can take a different style.
//!
//! Each position of a working grid gets one vector made of three blocks: the photo's VGG
//! features there (what is there), its colour in CIELAB (what it looks like) and its
//! (x, y) (where it is, so that regions hold together). Each block is scaled to a total
//! variance of 1 before its weight, so that the weights compare blocks rather than the
//! units of VGG activations and Lab. k-means clusters the vectors; a majority filter
//! removes speckles; the labels become soft masks at the photo's size.

// Grid and channel loops read as their formulas with indices.
#![allow(clippy::needless_range_loop)]

mod grid;
mod kmeans;
mod masks;

use image::{ImageBuffer, Luma, Rgb32FImage};

use crate::ImpastoError;
use crate::error::Setting;
pub use grid::FeatureMap;
use grid::{cell_colours, normalise, resample, working_grid};
use kmeans::kmeans;
use masks::{masks, mode_filter};

/// How the vectors k-means clusters are made, and how soft the masks are.
///
/// The three weights are relative: each block is first scaled to a total variance of 1
/// over the photo, so `colour: 2.0` means colour differences count twice as much as the
/// features' in the distances k-means compares. A weight of 0 drops its block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionSettings {
    /// Weight of the VGG feature block (what is where). Default 1.0; finite, `>= 0`.
    pub features: f64,
    /// Weight of the colour block (CIELAB of the photo). Default 0.5 (see
    /// [`default`](Self::default) for why); finite, `>= 0`.
    pub colour: f64,
    /// Weight of the position block (x, y): higher gives rounder, more compact regions.
    /// Default 0.1 (see [`default`](Self::default) for why); finite, `>= 0`.
    pub position: f64,
    /// Standard deviation of the Gaussian that softens mask edges, as a fraction of the
    /// photo's longest side. Default 0.01 (about 5 px at 512), by eye; finite, `>= 0` (0: no blur, edges
    /// are then as soft as the bilinear upsampling of the grid, one grid cell).
    pub smoothing: f64,
    /// Seed of k-means++'s initial centres: the same seed and input give the same masks.
    /// Default 0; any value.
    pub seed: u64,
}

impl Default for RegionSettings {
    /// Features 1, colour 0.5, position 0.1, smoothing 0.01, seed 0.
    ///
    /// Chosen by looking at three regions found on the shared photos (Tübingen, the
    /// Golden Gate, Hoover Tower, and the Matisse portrait; trained VGG16, relu3_1 +
    /// relu4_1, `cargo run --release --example region_sheet`; docs/regions.md). Features
    /// lead: they tell sky from water of the same blue and a bridge from both. Colour at
    /// 0.5: at 0.25 the Golden Gate's sky and water merge and the cables split off; at
    /// 1.0 a sky's gradient or a cloud splits on its own. Position at 0.1: at 0.5 the
    /// sky of Tübingen and of the Golden Gate splits into a left and a right half before
    /// houses, water and bridge separate; 0, 0.1 and 0.2 give the same three parts (sky,
    /// houses, water; sky, water, bridge; sky, building, tower and lit arches), 0.1 keeps
    /// a little pull towards regions in one piece.
    fn default() -> Self {
        RegionSettings {
            features: 1.0,
            colour: 0.5,
            position: 0.1,
            smoothing: 0.01,
            seed: 0,
        }
    }
}

/// Inputs [`find_regions`] cannot split. Private to this module: `find_regions` returns
/// each as [`ImpastoError::InvalidSetting`] with [`Setting::Regions`] and its message as
/// the reason.
#[derive(Debug, thiserror::Error)]
enum RegionError {
    /// `count` was 0.
    #[error("0 regions were asked for; ask for at least 1")]
    ZeroRegions,
    /// More regions than positions of the working grid to put in them.
    #[error(
        "{count} regions were asked for but the working grid has only {positions} positions; \
         ask for fewer regions or pass larger feature maps"
    )]
    TooManyRegions {
        /// Regions asked for.
        count: usize,
        /// Positions of the working grid.
        positions: usize,
    },
    /// The photo has no pixels.
    #[error("the photo has no pixels; pass a non-empty photo")]
    EmptyPhoto,
    /// No feature maps while the feature weight is positive.
    #[error(
        "no feature maps were given; pass at least one activation of the photo, \
         or set the feature weight to 0"
    )]
    EmptyFeatures,
    /// A feature map with a zero dimension.
    #[error(
        "feature map {index} is {channels}×{height}×{width}; every dimension must be at least 1"
    )]
    EmptyFeatureMap {
        /// Position of the map in `features`.
        index: usize,
        /// Its channels.
        channels: usize,
        /// Its height.
        height: usize,
        /// Its width.
        width: usize,
    },
    /// A feature map whose `data` does not hold `channels × height × width` values.
    #[error(
        "feature map {index} has {actual} values but its shape needs {expected}; \
         pass the whole activation in CHW order"
    )]
    FeatureDataLength {
        /// Position of the map in `features`.
        index: usize,
        /// `channels × height × width`.
        expected: usize,
        /// `data.len()`.
        actual: usize,
    },
    /// A feature map holding NaN or an infinity.
    #[error(
        "feature map {index} holds a NaN or infinite value; check the network that computed it"
    )]
    NonFiniteFeatures {
        /// Position of the map in `features`.
        index: usize,
    },
    /// A weight or the smoothing that is negative, NaN or infinite.
    #[error("setting `{name}` is {value}; it must be finite and at least 0")]
    InvalidSetting {
        /// The field of [`RegionSettings`].
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// All three weights are 0, so every position would look the same.
    #[error(
        "the features, colour and position weights are all 0; give at least one a positive weight"
    )]
    NoWeight,
}

impl From<RegionError> for ImpastoError {
    /// The crate's error for `error`: an invalid [`Setting::Regions`], its message the
    /// reason.
    fn from(error: RegionError) -> Self {
        ImpastoError::InvalidSetting {
            setting: Setting::Regions,
            reason: error.to_string(),
        }
    }
}

/// Passes of the 3 × 3 majority filter: one removes isolated cells, a second the pairs.
const MODE_PASSES: usize = 2;
/// Floor of the colour block's total variance, in Lab units² (a spread of 2 ΔE, about
/// the just noticeable difference): why, a nearly uniform photo's invisible colour noise
/// is not blown up to unit variance and made to split it.
const MIN_COLOUR_VARIANCE: f64 = 4.0;

/// Splits `photo` (RGB in `[0, 1]`) into `count` regions, returns one soft mask per
/// region at the photo's size, each pixel in `[0, 1]`, the masks summing to 1 at every
/// pixel (within 1e-5), ordered by area, largest first. `features` are one or more
/// activations of the photo (possibly of different sizes, all smaller than or equal to
/// the photo); they are resampled to one common grid.
///
/// The working grid is the largest feature map's (by positions), or the photo at most
/// 128 pixels on its long side where that has fewer positions; masks are exact at that
/// grid's resolution and bilinear between its cells. `features` may be empty when
/// `settings.features` is 0. A region can come out empty (all zeros, last) when the
/// photo has fewer distinct parts than `count`.
///
/// # Errors
///
/// [`ImpastoError::InvalidSetting`] with [`Setting::Regions`] and a one-sentence reason,
/// before any work, when `count` is 0 or more than the working grid's positions, the
/// photo has no pixels, a weight or the smoothing is negative, NaN or infinite, all three
/// weights are 0, or the feature maps are missing (with a positive feature weight), have
/// a zero dimension, the wrong number of values, or a NaN or infinite value.
// The mask type spelled out, so that the signature names no extra public alias.
#[allow(clippy::type_complexity)]
pub fn find_regions(
    photo: &Rgb32FImage,
    features: &[FeatureMap],
    count: usize,
    settings: &RegionSettings,
) -> Result<Vec<ImageBuffer<Luma<f32>, Vec<f32>>>, ImpastoError> {
    let (grid_w, grid_h) = check(photo, features, count, settings)?;
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    let positions = grid_w * grid_h;
    if count == 1 {
        return Ok(vec![ImageBuffer::from_pixel(
            width as u32,
            height as u32,
            Luma([1.0]),
        )]);
    }

    // The vectors, block by block, each centred and scaled to total variance `weight`.
    let mut columns: Vec<Vec<f32>> = Vec::new();
    if settings.features > 0.0 {
        let block: Vec<_> = features
            .iter()
            .flat_map(|map| resample(map, grid_w, grid_h))
            .collect();
        columns.extend(normalise(block, settings.features, 0.0));
    }
    if settings.colour > 0.0 {
        columns.extend(normalise(
            cell_colours(photo, grid_w, grid_h),
            settings.colour,
            MIN_COLOUR_VARIANCE,
        ));
    }
    if settings.position > 0.0 {
        let long = grid_w.max(grid_h) as f32;
        let x = (0..positions)
            .map(|i| ((i % grid_w) as f32 + 0.5) / long)
            .collect();
        let y = (0..positions)
            .map(|i| ((i / grid_w) as f32 + 0.5) / long)
            .collect();
        columns.extend(normalise(vec![x, y], settings.position, 0.0));
    }
    // Row-major, one vector per position, for contiguous distance loops.
    let dims = columns.len();
    let mut points = vec![0.0f32; positions * dims];
    for (d, column) in columns.iter().enumerate() {
        for (i, &v) in column.iter().enumerate() {
            points[i * dims + d] = v;
        }
    }

    let mut labels = kmeans(&points, dims, count, settings.seed);
    for _ in 0..MODE_PASSES {
        labels = mode_filter(&labels, grid_w, grid_h);
    }
    Ok(masks(
        &labels,
        count,
        (grid_w, grid_h),
        (width, height),
        settings.smoothing,
    ))
}

/// Every input of [`find_regions`], checked before any work, in the order its errors are
/// reported; the working grid's `(width, height)`.
fn check(
    photo: &Rgb32FImage,
    features: &[FeatureMap],
    count: usize,
    settings: &RegionSettings,
) -> Result<(usize, usize), RegionError> {
    if count == 0 {
        return Err(RegionError::ZeroRegions);
    }
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    if width == 0 || height == 0 {
        return Err(RegionError::EmptyPhoto);
    }
    validate(features, settings)?;
    let (grid_w, grid_h) = working_grid(width, height, features);
    let positions = grid_w * grid_h;
    if count > positions {
        return Err(RegionError::TooManyRegions { count, positions });
    }
    Ok((grid_w, grid_h))
}

/// Settings and feature maps, checked before any work.
fn validate(features: &[FeatureMap], settings: &RegionSettings) -> Result<(), RegionError> {
    let fields = [
        ("features", settings.features),
        ("colour", settings.colour),
        ("position", settings.position),
        ("smoothing", settings.smoothing),
    ];
    for (name, value) in fields {
        if !value.is_finite() || value < 0.0 {
            return Err(RegionError::InvalidSetting { name, value });
        }
    }
    if settings.features == 0.0 && settings.colour == 0.0 && settings.position == 0.0 {
        return Err(RegionError::NoWeight);
    }
    if features.is_empty() && settings.features > 0.0 {
        return Err(RegionError::EmptyFeatures);
    }
    for (index, map) in features.iter().enumerate() {
        let FeatureMap {
            channels,
            height,
            width,
            ..
        } = *map;
        if channels == 0 || height == 0 || width == 0 {
            return Err(RegionError::EmptyFeatureMap {
                index,
                channels,
                height,
                width,
            });
        }
        let expected = channels * height * width;
        if map.data.len() != expected {
            return Err(RegionError::FeatureDataLength {
                index,
                expected,
                actual: map.data.len(),
            });
        }
        if map.data.iter().any(|v| !v.is_finite()) {
            return Err(RegionError::NonFiniteFeatures { index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
