//! From labels to masks: the majority filter on the label grid, the blur, the upsampling
//! to the photo's size and the order by area.

use image::{ImageBuffer, Luma};

use super::grid::{bilinear, taps};

/// One pass of a 3 × 3 majority filter on the label grid: each cell takes its
/// neighbourhood's most frequent label, keeping its own on a tie, so that isolated
/// speckles join their surroundings while borders stay where they are.
pub(super) fn mode_filter(labels: &[u32], grid_w: usize, grid_h: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(labels.len());
    for y in 0..grid_h {
        for x in 0..grid_w {
            let own = labels[y * grid_w + x];
            let rows = y.saturating_sub(1)..(y + 2).min(grid_h);
            let columns = || x.saturating_sub(1)..(x + 2).min(grid_w);
            let hood: Vec<u32> = rows
                .flat_map(|ny| columns().map(move |nx| labels[ny * grid_w + nx]))
                .collect();
            let votes = |l: u32| hood.iter().filter(|&&h| h == l).count();
            // Most votes; among equals its own label, then the lowest, for determinism.
            let key = |&l: &u32| (votes(l), l == own, std::cmp::Reverse(l));
            out.push(hood.iter().copied().max_by_key(key).unwrap_or(own));
        }
    }
    out
}

/// Separable Gaussian blur of a `w × h` plane, edges clamped (so that blurred indicators
/// still sum to 1).
fn blur(plane: &[f32], w: usize, h: usize, sigma_x: f64, sigma_y: f64) -> Vec<f32> {
    let kernel = |sigma: f64| {
        if sigma < 1e-3 {
            return (0, vec![1.0]); // narrower than a thousandth of a cell: no blur
        }
        let radius = (3.0 * sigma).ceil() as isize;
        let k: Vec<f64> = (-radius..=radius)
            .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
            .collect();
        let sum: f64 = k.iter().sum();
        (
            radius,
            k.into_iter().map(|v| (v / sum) as f32).collect::<Vec<_>>(),
        )
    };
    let pass = |src: &[f32], sigma: f64, horizontal: bool| -> Vec<f32> {
        let (len, stride) = if horizontal { (w, 1) } else { (h, w) };
        // Wider than the plane is nearly flat already; the cap bounds the kernel's size.
        let (radius, k) = kernel(sigma.min(len as f64));
        (0..w * h)
            .map(|i| {
                let pos = if horizontal { i % w } else { i / w } as isize;
                let base = i - pos as usize * stride;
                k.iter().enumerate().fold(0.0, |acc, (j, &kv)| {
                    let p = (pos + j as isize - radius).clamp(0, len as isize - 1) as usize;
                    acc + kv * src[base + p * stride]
                })
            })
            .collect()
    };
    pass(&pass(plane, sigma_x, true), sigma_y, false)
}

/// Soft masks at the photo's size from the labels at the grid's, ordered by area.
///
/// Why blurred at grid resolution and then upsampled: both steps are linear, so blurring
/// the grid indicators and interpolating approximates interpolating then blurring at
/// full size (a Gaussian on the bilinear ramp either way), at the grid's cost rather
/// than `count ×` the photo's pixels × the kernel's width.
pub(super) fn masks(
    labels: &[u32],
    count: usize,
    (grid_w, grid_h): (usize, usize),
    (width, height): (usize, usize),
    smoothing: f64,
) -> Vec<ImageBuffer<Luma<f32>, Vec<f32>>> {
    let sigma = smoothing * width.max(height) as f64; // photo pixels
    let planes: Vec<Vec<f32>> = (0..count as u32)
        .map(|k| {
            let plane: Vec<f32> = labels
                .iter()
                .map(|&l| if l == k { 1.0 } else { 0.0 })
                .collect();
            if sigma > 0.0 {
                let (sx, sy) = (
                    sigma * grid_w as f64 / width as f64,
                    sigma * grid_h as f64 / height as f64,
                );
                blur(&plane, grid_w, grid_h, sx, sy)
            } else {
                plane
            }
        })
        .collect();

    let (xs, ys) = (taps(grid_w, width), taps(grid_h, height));
    let mut out: Vec<Vec<f32>> = planes
        .iter()
        .map(|p| bilinear(p, grid_w, &xs, &ys))
        .collect();
    // The sum is 1 up to rounding already (blur and interpolation are convex and keep
    // a partition of unity); dividing makes it 1 to f32 precision.
    for i in 0..width * height {
        let sum: f32 = out.iter().map(|mask| mask[i]).sum();
        for mask in &mut out {
            mask[i] = if sum > 0.0 {
                (mask[i] / sum).clamp(0.0, 1.0)
            } else {
                1.0 / count as f32
            };
        }
    }
    let area = |mask: &Vec<f32>| mask.iter().map(|&v| v as f64).sum::<f64>();
    let mut order: Vec<(f64, Vec<f32>)> = out.into_iter().map(|m| (area(&m), m)).collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0)); // stable: equal areas keep label order
    order
        .into_iter()
        .map(|(_, m)| {
            ImageBuffer::from_raw(width as u32, height as u32, m).expect("width × height values")
        })
        .collect()
}
