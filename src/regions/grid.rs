//! The working grid and the columns of the vectors on it: its size, the feature maps
//! sampled onto it, the photo's colour per cell in CIELAB, and each block's scaling.

use image::Rgb32FImage;

/// A network activation on the host: `channels × height × width`, channel-major (CHW), f32.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMap {
    /// Number of channels, at least 1.
    pub channels: usize,
    /// Rows of the activation, at least 1.
    pub height: usize,
    /// Columns of the activation, at least 1.
    pub width: usize,
    /// `channels × height × width` values, channel `c`, row `y`, column `x` at
    /// `(c × height + y) × width + x`.
    pub data: Vec<f32>,
}

/// Longest side of the working grid when it comes from the photo: k-means over 128 × 96
/// positions is quick, and regions finer than 1/128 of the photo are not regions.
const MAX_GRID_SIDE: usize = 128;

/// `(width, height)` of the working grid: the largest feature map's, or the photo's at
/// most [`MAX_GRID_SIDE`] on its long side where that has fewer positions.
pub(super) fn working_grid(width: usize, height: usize, features: &[FeatureMap]) -> (usize, usize) {
    let long = width.max(height);
    let photo_grid = if long <= MAX_GRID_SIDE {
        (width, height)
    } else {
        let scale = |side: usize| {
            ((side * MAX_GRID_SIDE) as f64 / long as f64)
                .round()
                .max(1.0) as usize
        };
        (scale(width), scale(height))
    };
    features
        .iter()
        .map(|map| (map.width, map.height))
        .max_by_key(|&(w, h)| w * h)
        .filter(|&(w, h)| w * h <= photo_grid.0 * photo_grid.1)
        .unwrap_or(photo_grid)
}

/// One output cell's bilinear tap: the two source cells and the second one's share.
type Tap = (usize, usize, f32);

/// Bilinear taps from `out` cells onto `len` source cells, cell centres aligned
/// (`align_corners = false`), clamped at the edges.
pub(super) fn taps(len: usize, out: usize) -> Vec<Tap> {
    (0..out)
        .map(|o| {
            let s = (o as f64 + 0.5) * len as f64 / out as f64 - 0.5;
            let s = s.clamp(0.0, (len - 1) as f64);
            let i0 = s.floor() as usize;
            (i0, (i0 + 1).min(len - 1), (s - i0 as f64) as f32)
        })
        .collect()
}

/// `map` sampled bilinearly onto the grid: one column of `grid_w × grid_h` per channel.
pub(super) fn resample(map: &FeatureMap, grid_w: usize, grid_h: usize) -> Vec<Vec<f32>> {
    let (xs, ys) = (taps(map.width, grid_w), taps(map.height, grid_h));
    let planes = map.data.chunks_exact(map.width * map.height);
    planes
        .map(|plane| bilinear(plane, map.width, &xs, &ys))
        .collect()
}

/// `plane` (rows of `width`) sampled at the taps `xs` × `ys`, row-major.
pub(super) fn bilinear(plane: &[f32], width: usize, xs: &[Tap], ys: &[Tap]) -> Vec<f32> {
    let at = |x: usize, y: usize| plane[y * width + x];
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for &(y0, y1, ty) in ys {
        for &(x0, x1, tx) in xs {
            let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * tx;
            let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * tx;
            out.push(top + (bottom - top) * ty);
        }
    }
    out
}

/// The photo's mean colour over each grid cell (a box average), as CIELAB: three columns.
/// Why averaged in sRGB before the conversion: one conversion per cell instead of one per
/// pixel, and a cell is small enough to be nearly one colour.
pub(super) fn cell_colours(photo: &Rgb32FImage, grid_w: usize, grid_h: usize) -> Vec<Vec<f32>> {
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    // Cell `g` of `cells` covers pixels `span(g)`, never empty, together all of them.
    let span = |g: usize, cells: usize, len: usize| {
        let start = (g * len / cells).min(len - 1);
        start..((g + 1) * len / cells).clamp(start + 1, len)
    };
    let mut lab: Vec<Vec<f32>> = (0..3)
        .map(|_| Vec::with_capacity(grid_w * grid_h))
        .collect();
    for gy in 0..grid_h {
        for gx in 0..grid_w {
            let (mut sum, mut n) = ([0.0f64; 3], 0.0);
            for y in span(gy, grid_h, height) {
                for x in span(gx, grid_w, width) {
                    for (s, &v) in sum.iter_mut().zip(&photo.get_pixel(x as u32, y as u32).0) {
                        *s += if v.is_finite() {
                            v.clamp(0.0, 1.0) as f64
                        } else {
                            0.0
                        };
                    }
                    n += 1.0;
                }
            }
            for (column, v) in lab.iter_mut().zip(srgb_to_lab(sum.map(|s| s / n))) {
                column.push(v as f32);
            }
        }
    }
    lab
}

/// sRGB (D65, components in `[0, 1]`) to CIELAB: L in `[0, 100]`, a and b about ±100.
pub(super) fn srgb_to_lab(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb.map(|c| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            t * 24389.0 / 3132.0 + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// `block`'s columns centred, then scaled together so that their total variance (the sum
/// of the columns' variances, at least `floor`) is `weight`: the block then adds `weight`
/// to the mean squared distance between two positions, whatever its units or dimension.
/// A constant block becomes zeros.
pub(super) fn normalise(mut block: Vec<Vec<f32>>, weight: f64, floor: f64) -> Vec<Vec<f32>> {
    let mut total = 0.0;
    for column in &mut block {
        let n = column.len() as f64;
        let mean = column.iter().map(|&v| v as f64).sum::<f64>() / n;
        total += column
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        column.iter_mut().for_each(|v| *v -= mean as f32);
    }
    let scale = if total > 0.0 {
        (weight / total.max(floor)).sqrt() as f32
    } else {
        0.0
    };
    block.iter_mut().flatten().for_each(|v| *v *= scale);
    block
}
