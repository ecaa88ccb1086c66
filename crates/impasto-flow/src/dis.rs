//! Dense Inverse Search (Kroeger, Timofte, Dai & Van Gool, ECCV 2016): at each level of
//! a coarse-to-fine pyramid, (1) patches on a regular grid are aligned by
//! inverse-compositional Gauss–Newton on their mean-normalised SSD, starting from the
//! coarser level's flow; (2) the dense flow is the per-pixel average of the patches
//! covering it, each weighted by how well it explains that pixel; (3) optionally, a
//! few iterations of variational refinement.

use image::Rgb32FImage;
use rayon::prelude::*;

use crate::plane::{Plane, coarse_to_fine};
use crate::{FlowError, FlowField, VariationalConfig};

/// Settings of DIS. [`DisConfig::default`] is [`DisConfig::medium`]; see the crate's
/// README for the measured accuracy and speed of each preset.
#[derive(Clone, Debug, PartialEq)]
pub struct DisConfig {
    /// The finest pyramid level computed: 0 is full resolution, `s` a `2^s`-times smaller
    /// image whose flow is then upsampled bilinearly. Default 1 (medium); `0..=10`, and
    /// lowered to the coarsest level where the frames are too small for it.
    pub finest_scale: usize,
    /// The coarsest level, where the search starts from zero flow. Default `None`:
    /// chosen from the frame size as OpenCV does (`round(log2(max side / (4·patch)))`),
    /// so that motions up to about a patch at that level (`patch · 2^level` pixels) are
    /// found. `Some(s)`: `s ≥ finest_scale`, `s ≤ 16`, lowered until the level is at
    /// least one patch in both directions.
    pub coarsest_scale: Option<usize>,
    /// Side of the square patches, in pixels of each level. Default 8; `4..=64`.
    pub patch_size: usize,
    /// Distance between neighbouring patches. Default 4 (overlap `patch − stride`);
    /// `1..=patch_size`.
    pub patch_stride: usize,
    /// Gauss–Newton iterations per patch. Default 16; `1..=1000`.
    pub gradient_descent_iterations: usize,
    /// Variational refinement after densification, at every level;
    /// `fixed_point_iterations: 0` turns it off.
    pub refinement: VariationalConfig,
}

impl Default for DisConfig {
    fn default() -> Self {
        Self::medium()
    }
}

impl DisConfig {
    /// OpenCV's ULTRAFAST preset: finest level 2, 8-pixel patches every 4 pixels, 12
    /// iterations, no refinement.
    pub fn ultrafast() -> Self {
        Self {
            finest_scale: 2,
            coarsest_scale: None,
            patch_size: 8,
            patch_stride: 4,
            gradient_descent_iterations: 12,
            refinement: VariationalConfig {
                fixed_point_iterations: 0,
                ..Default::default()
            },
        }
    }

    /// OpenCV's FAST preset: as ultrafast with 16 iterations and refinement.
    pub fn fast() -> Self {
        Self {
            gradient_descent_iterations: 16,
            refinement: VariationalConfig::default(),
            ..Self::ultrafast()
        }
    }

    /// Finest level 1, 8-pixel patches every 4 pixels, 16 iterations, refinement: the
    /// default, chosen on accuracy per second (README).
    pub fn medium() -> Self {
        Self {
            finest_scale: 1,
            ..Self::fast()
        }
    }

    /// The same settings computed at full resolution (`finest_scale: 0`): slowest and
    /// most accurate.
    pub fn fine() -> Self {
        Self {
            finest_scale: 0,
            ..Self::fast()
        }
    }

    /// [`FlowError::InvalidConfig`] for the first field outside its documented range.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |field, reason: &str| {
            Err(FlowError::InvalidConfig {
                field,
                reason: reason.into(),
            })
        };
        if self.finest_scale > 10 {
            return bad("finest_scale", "must be in 0..=10");
        }
        if let Some(c) = self.coarsest_scale
            && (c < self.finest_scale || c > 16)
        {
            return bad("coarsest_scale", "must be in finest_scale..=16");
        }
        if !(4..=64).contains(&self.patch_size) {
            return bad("patch_size", "must be in 4..=64");
        }
        if !(1..=self.patch_size).contains(&self.patch_stride) {
            return bad("patch_stride", "must be in 1..=patch_size");
        }
        if !(1..=1000).contains(&self.gradient_descent_iterations) {
            return bad("gradient_descent_iterations", "must be in 1..=1000");
        }
        self.refinement.validate()
    }

    /// The flow from `first` to `second` (RGB frames of the same size, any finite
    /// values; luminance is used): `second(x + w(x)) ≈ first(x)`.
    ///
    /// Errors: [`FlowError::InvalidConfig`], [`FlowError::SizeMismatch`],
    /// [`FlowError::TooSmall`] (a side shorter than `patch_size`),
    /// [`FlowError::NonFinite`].
    pub fn compute(
        &self,
        first: &Rgb32FImage,
        second: &Rgb32FImage,
    ) -> Result<FlowField, FlowError> {
        self.validate()?;
        let min_side = self.patch_size as u32;
        let levels = |w, h| self.levels(w, h);
        coarse_to_fine(first, second, min_side, levels, |a, b, flow| {
            *flow = self.level(a, b, flow);
            self.refinement.refine(a, b, flow);
        })
    }

    /// `(finest, coarsest)` levels for a `w × h` frame (`min(w, h) ≥ patch_size`).
    fn levels(&self, w: usize, h: usize) -> (usize, usize) {
        let ps = self.patch_size;
        // Deepest level still holding one patch in each direction (`side >> s` is the
        // side after `s` floor-halvings).
        let mut feasible = 0;
        while feasible < 16 && (w.min(h) >> (feasible + 1)) >= ps {
            feasible += 1;
        }
        let wanted = self.coarsest_scale.unwrap_or_else(|| {
            let ratio = w.max(h) as f64 / (4 * ps) as f64;
            (ratio.log2() + 0.5).floor().max(0.0) as usize
        });
        let coarsest = wanted.min(feasible);
        (self.finest_scale.min(coarsest), coarsest)
    }

    /// One level: patch search from `init`, then densification.
    fn level(&self, i0: &Plane, i1: &Plane, init: &FlowField) -> FlowField {
        let ps = self.patch_size;
        let (gx, gy) = i0.sobel();
        let xs = grid(i0.w, ps, self.patch_stride);
        let ys = grid(i0.h, ps, self.patch_stride);
        let corners: Vec<(usize, usize)> = ys
            .iter()
            .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
            .collect();
        let patches: Vec<([f32; 2], Vec<f32>)> = corners
            .par_iter()
            .map_init(
                || vec![0.0f32; ps * ps],
                |buffer, &(x, y)| {
                    let centre = (ps as f32 - 1.0) / 2.0;
                    let start = init.sample(x as f32 + centre, y as f32 + centre);
                    let u = self.search([i0, i1], [&gx, &gy], (x, y), start, buffer);
                    // Densification weights 1 / max(1, |I₁(x + u) − I₀(x)|) (paper's eq. 3).
                    sample_patch(i1, x as f32 + u[0], y as f32 + u[1], ps, buffer);
                    let weights = (0..ps * ps)
                        .map(|k| 1.0 / (buffer[k] - i0.at(x + k % ps, y + k / ps)).abs().max(1.0))
                        .collect();
                    (u, weights)
                },
            )
            .collect();
        let mut acc = vec![[0.0f32; 3]; i0.w * i0.h];
        for (&(x, y), (u, weights)) in corners.iter().zip(&patches) {
            for (k, &l) in weights.iter().enumerate() {
                let a = &mut acc[(y + k / ps) * i0.w + x + k % ps];
                a[0] += l;
                a[1] += l * u[0];
                a[2] += l * u[1];
            }
        }
        // The grid covers every pixel (`grid` ends flush with the border), so each
        // pixel's total weight is positive.
        FlowField::from_vec(
            i0.w as u32,
            i0.h as u32,
            acc.iter().map(|a| [a[1] / a[0], a[2] / a[0]]).collect(),
        )
        .unwrap_or_else(|_| init.clone())
    }

    /// Inverse-compositional search of the patch at `corner` from displacement `start`
    /// (frames `[I₀, I₁]`, gradients `[∂x I₀, ∂y I₀]`).
    fn search(
        &self,
        [i0, i1]: [&Plane; 2],
        [gx, gy]: [&Plane; 2],
        corner: (usize, usize),
        start: [f32; 2],
        buffer: &mut [f32],
    ) -> [f32; 2] {
        let ps = self.patch_size;
        let n = (ps * ps) as f32;
        let (x0, y0) = corner;
        let index = |k: usize| (y0 + k / ps) * i0.w + x0 + k % ps;
        // Mean-normalised gradients: the SSD compares patches after removing their means
        // (robust to brightness changes), whose Gauss–Newton Hessian uses gradients minus
        // their patch means; the Hessian is constant (the template is the first frame),
        // which is what makes the inverse search cheap.
        let mean_gx = (0..ps * ps).map(|k| gx.data[index(k)]).sum::<f32>() / n;
        let mean_gy = (0..ps * ps).map(|k| gy.data[index(k)]).sum::<f32>() / n;
        let (mut hxx, mut hxy, mut hyy) = (0.0f32, 0.0f32, 0.0f32);
        for k in 0..ps * ps {
            let (a, b) = (gx.data[index(k)] - mean_gx, gy.data[index(k)] - mean_gy);
            hxx += a * a;
            hxy += a * b;
            hyy += b * b;
        }
        let det = hxx * hyy - hxy * hxy;
        // A textureless or one-dimensional patch cannot be aligned: keep the start.
        if !det.is_finite() || det <= 1e-6 * (hxx + hyy).powi(2).max(1e-12) {
            return start;
        }
        let ssd = |buffer: &[f32]| {
            let mean = (0..ps * ps)
                .map(|k| buffer[k] - i0.data[index(k)])
                .sum::<f32>()
                / n;
            (0..ps * ps)
                .map(|k| (buffer[k] - i0.data[index(k)] - mean).powi(2))
                .sum::<f32>()
        };
        let mut u = start;
        let mut start_ssd = f32::INFINITY;
        for iteration in 0..self.gradient_descent_iterations {
            sample_patch(i1, x0 as f32 + u[0], y0 as f32 + u[1], ps, buffer);
            if iteration == 0 {
                start_ssd = ssd(buffer);
            }
            let (mut bx, mut by) = (0.0f32, 0.0f32);
            for (k, &value) in buffer.iter().enumerate() {
                let d = value - i0.data[index(k)];
                bx += (gx.data[index(k)] - mean_gx) * d;
                by += (gy.data[index(k)] - mean_gy) * d;
            }
            u[0] -= (hyy * bx - hxy * by) / det;
            u[1] -= (hxx * by - hxy * bx) / det;
            // Diverged (further than a patch from where it started): give up.
            let moved = (u[0] - start[0]).powi(2) + (u[1] - start[1]).powi(2);
            if moved.is_nan() || moved > (ps * ps) as f32 {
                return start;
            }
        }
        sample_patch(i1, x0 as f32 + u[0], y0 as f32 + u[1], ps, buffer);
        if ssd(buffer) <= start_ssd { u } else { start }
    }
}

/// Patch corners along a side of `len` pixels: every `stride`, the last flush with the
/// border so that every pixel is covered.
fn grid(len: usize, ps: usize, stride: usize) -> Vec<usize> {
    let last = len - ps;
    let mut out: Vec<usize> = (0..last).step_by(stride).collect();
    out.push(last);
    out
}

/// Fills `out` with the `ps × ps` patch of `image` whose corner is at real `(x, y)`,
/// bilinear. The fractional part is the same for every pixel of the patch, so the four
/// weights are computed once; patches that reach outside the image take the clamped path.
fn sample_patch(image: &Plane, x: f32, y: f32, ps: usize, out: &mut [f32]) {
    let (fx0, fy0) = (x.floor(), y.floor());
    let (fx, fy) = (x - fx0, y - fy0);
    let inside = fx0 >= 0.0
        && fy0 >= 0.0
        && fx0 + (ps as f32) < image.w as f32
        && fy0 + (ps as f32) < image.h as f32;
    if !inside {
        for (k, o) in out.iter_mut().enumerate() {
            *o = image.sample(x + (k % ps) as f32, y + (k / ps) as f32);
        }
        return;
    }
    let (ix, iy) = (fx0 as usize, fy0 as usize);
    let (w00, w10, w01, w11) = (
        (1.0 - fx) * (1.0 - fy),
        fx * (1.0 - fy),
        (1.0 - fx) * fy,
        fx * fy,
    );
    for r in 0..ps {
        let top = &image.data[(iy + r) * image.w + ix..][..ps + 1];
        let bottom = &image.data[(iy + r + 1) * image.w + ix..][..ps + 1];
        for c in 0..ps {
            out[r * ps + c] =
                w00 * top[c] + w10 * top[c + 1] + w01 * bottom[c] + w11 * bottom[c + 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_covers_the_side() {
        assert_eq!(grid(20, 8, 4), vec![0, 4, 8, 12]);
        assert_eq!(grid(21, 8, 4), vec![0, 4, 8, 12, 13]);
        assert_eq!(grid(8, 8, 4), vec![0]);
    }

    #[test]
    fn levels_follow_the_frame_size() {
        let config = DisConfig::medium();
        assert_eq!(config.levels(512, 512), (1, 4));
        assert_eq!(config.levels(16, 16), (0, 0));
        assert_eq!(config.levels(64, 48), (1, 1));
        assert_eq!(config.levels(8, 100), (0, 0));
        let forced = DisConfig {
            coarsest_scale: Some(9),
            ..DisConfig::fine()
        };
        assert_eq!(forced.levels(64, 64), (0, 3));
    }

    #[test]
    fn the_fast_patch_sampler_matches_the_clamped_one() {
        let mut image = Plane::zeros(12, 11);
        for (i, v) in image.data.iter_mut().enumerate() {
            *v = ((i * 37) % 17) as f32;
        }
        let mut fast = vec![0.0; 16];
        sample_patch(&image, 2.3, 3.7, 4, &mut fast);
        for (k, &value) in fast.iter().enumerate() {
            let expected = image.sample(2.3 + (k % 4) as f32, 3.7 + (k / 4) as f32);
            assert!((value - expected).abs() < 1e-4);
        }
    }

    #[test]
    fn invalid_settings_are_refused() {
        for config in [
            DisConfig {
                patch_size: 2,
                ..Default::default()
            },
            DisConfig {
                patch_stride: 9,
                ..Default::default()
            },
            DisConfig {
                gradient_descent_iterations: 0,
                ..Default::default()
            },
            DisConfig {
                coarsest_scale: Some(0),
                finest_scale: 1,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                config.validate(),
                Err(FlowError::InvalidConfig { .. })
            ));
        }
    }
}
