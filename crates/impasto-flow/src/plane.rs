//! Single-channel `f32` images (luminance planes), their pyramids and gradients.

use image::Rgb32FImage;

use crate::{FlowError, FlowField};

/// Frames are reduced to luminance scaled to `[0, 255]`: DIS's densification weight
/// `1 / max(1, |I₁(x + u) − I₀(x)|)` and the variational weights (OpenCV's defaults) are
/// stated for 8-bit intensities, so this keeps the published constants meaningful.
pub(crate) const INTENSITY_SCALE: f32 = 255.0;

/// A row-major single-channel image.
#[derive(Clone, Debug)]
pub(crate) struct Plane {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Plane {
    pub fn zeros(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            data: vec![0.0; w * h],
        }
    }

    /// Rec. 601 luminance (as OpenCV's `RGB2GRAY`) of `image`, × [`INTENSITY_SCALE`];
    /// [`FlowError::NonFinite`] at the first non-finite channel.
    pub fn luminance(image: &Rgb32FImage, what: &'static str) -> Result<Self, FlowError> {
        let (w, h) = image.dimensions();
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for (x, y, p) in image.enumerate_pixels() {
            let [r, g, b] = p.0;
            // Checked after scaling too: values near f32::MAX overflow to infinity.
            let value = INTENSITY_SCALE * (0.299 * r + 0.587 * g + 0.114 * b);
            if !(r.is_finite() && g.is_finite() && b.is_finite() && value.is_finite()) {
                return Err(FlowError::NonFinite { what, x, y });
            }
            data.push(value);
        }
        Ok(Self {
            w: w as usize,
            h: h as usize,
            data,
        })
    }

    #[inline]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.w + x]
    }

    /// Bilinear value at real coordinates, clamped to the image (border replicated).
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.at(x0, y0) + fx * (self.at(x1, y0) - self.at(x0, y0));
        let bottom = self.at(x0, y1) + fx * (self.at(x1, y1) - self.at(x0, y1));
        top + fy * (bottom - top)
    }

    /// Half size (rounded down, at least 1), each pixel the mean of a 2 × 2 block: the
    /// box filter is the area average (OpenCV's `INTER_AREA` at factor 2), and it keeps
    /// pixel `j` of the coarse level centred at `2j + 0.5` of the fine one, the relation
    /// [`upsample_flow`] assumes.
    pub fn downsample(&self) -> Self {
        let (w, h) = ((self.w / 2).max(1), (self.h / 2).max(1));
        let mut out = Self::zeros(w, h);
        for y in 0..h {
            let (y0, y1) = ((2 * y).min(self.h - 1), (2 * y + 1).min(self.h - 1));
            for x in 0..w {
                let (x0, x1) = ((2 * x).min(self.w - 1), (2 * x + 1).min(self.w - 1));
                out.data[y * w + x] =
                    0.25 * (self.at(x0, y0) + self.at(x1, y0) + self.at(x0, y1) + self.at(x1, y1));
            }
        }
        out
    }

    /// Sobel gradients `(∂x, ∂y)` divided by 8 (so a ramp of slope 1 gives 1), border
    /// replicated. The 1-2-1 smoothing across the derivative makes the patch Hessians of
    /// DIS less sensitive to noise than plain central differences.
    pub fn sobel(&self) -> (Self, Self) {
        self.gradients(|[xm, x, xp], [ym, y, yp]| {
            let dx = |yy: usize| self.at(xp, yy) - self.at(xm, yy);
            let dy = |xx: usize| self.at(xx, yp) - self.at(xx, ym);
            (
                (dx(ym) + 2.0 * dx(y) + dx(yp)) / 8.0,
                (dy(xm) + 2.0 * dy(x) + dy(xp)) / 8.0,
            )
        })
    }

    /// Central differences `(∂x, ∂y)`, one-sided at the border; the variational
    /// refinement's linearisation wants the unsmoothed derivative.
    pub fn central(&self) -> (Self, Self) {
        self.gradients(|[xm, x, xp], [ym, y, yp]| {
            let sx = (xp - xm).max(1) as f32;
            let sy = (yp - ym).max(1) as f32;
            (
                (self.at(xp, y) - self.at(xm, y)) / sx,
                (self.at(x, yp) - self.at(x, ym)) / sy,
            )
        })
    }

    /// The planes `(∂x, ∂y)` of `derivative`, which is given each pixel's column and row
    /// with their neighbours (`[x − 1, x, x + 1]`, `[y − 1, y, y + 1]`), clamped to the
    /// image.
    fn gradients(&self, derivative: impl Fn([usize; 3], [usize; 3]) -> (f32, f32)) -> (Self, Self) {
        let (w, h) = (self.w, self.h);
        let mut gx = Self::zeros(w, h);
        let mut gy = Self::zeros(w, h);
        for y in 0..h {
            let rows = [y.saturating_sub(1), y, (y + 1).min(h - 1)];
            for x in 0..w {
                let columns = [x.saturating_sub(1), x, (x + 1).min(w - 1)];
                (gx.data[y * w + x], gy.data[y * w + x]) = derivative(columns, rows);
            }
        }
        (gx, gy)
    }

    /// This image sampled at `x + flow(x)` (backward warp, border replicated).
    pub fn warp(&self, flow: &FlowField) -> Self {
        let mut out = Self::zeros(self.w, self.h);
        for (i, (o, d)) in out.data.iter_mut().zip(flow.as_slice()).enumerate() {
            let (x, y) = ((i % self.w) as f32, (i / self.w) as f32);
            *o = self.sample(x + d[0], y + d[1]);
        }
        out
    }
}

/// `levels` planes: `base` and its successive halvings.
fn pyramid(base: Plane, levels: usize) -> Vec<Plane> {
    let mut out = vec![base];
    while out.len() < levels {
        let next = out[out.len() - 1].downsample();
        out.push(next);
    }
    out
}

/// The coarse-to-fine scheme both flow methods share. The frames' luminance planes (each
/// side at least `min_side`, else [`FlowError::TooSmall`]) and their pyramids down to
/// level `coarsest`, where `(finest, coarsest) = levels(width, height)`; a zero flow
/// there; then at each level from `coarsest` to `finest` the flow of the level above
/// brought to this one's size and handed to `level`, with the level's planes, to
/// improve. Returns the flow at `finest` brought to the frames' size.
pub(crate) fn coarse_to_fine(
    first: &Rgb32FImage,
    second: &Rgb32FImage,
    min_side: u32,
    levels: impl FnOnce(usize, usize) -> (usize, usize),
    mut level: impl FnMut(&Plane, &Plane, &mut FlowField),
) -> Result<FlowField, FlowError> {
    let (i0, i1) = frames_to_planes(first, second, min_side)?;
    let (w, h) = (i0.w, i0.h);
    let (finest, coarsest) = levels(w, h);
    let p0 = pyramid(i0, coarsest + 1);
    let p1 = pyramid(i1, coarsest + 1);
    let mut flow = FlowField::zeros(p0[coarsest].w as u32, p0[coarsest].h as u32);
    for s in (finest..=coarsest).rev() {
        let (a, b) = (&p0[s], &p1[s]);
        if s < coarsest {
            flow = upsample_flow(&flow, a.w, a.h, 2.0);
        }
        level(a, b, &mut flow);
    }
    if finest > 0 {
        flow = upsample_flow(&flow, w, h, (1u32 << finest) as f32);
    }
    Ok(flow)
}

/// A flow computed on a level `factor` times coarser brought to `w × h`: the coarse
/// pixel `j` is centred at `(j + 0.5)·factor − 0.5` of the fine grid (box pyramid), and
/// displacements grow by `factor`.
fn upsample_flow(flow: &FlowField, w: usize, h: usize, factor: f32) -> FlowField {
    FlowField::from_fn(w as u32, h as u32, |x, y| {
        let xs = (x as f32 + 0.5) / factor - 0.5;
        let ys = (y as f32 + 0.5) / factor - 0.5;
        let [u, v] = flow.sample(xs, ys);
        [u * factor, v * factor]
    })
}

/// Checks two frames (same size, each side at least `min_side`, finite) and returns
/// their luminance planes.
fn frames_to_planes(
    first: &Rgb32FImage,
    second: &Rgb32FImage,
    min_side: u32,
) -> Result<(Plane, Plane), FlowError> {
    if first.dimensions() != second.dimensions() {
        return Err(FlowError::SizeMismatch {
            what: "second frame",
            expected: first.dimensions(),
            actual: second.dimensions(),
        });
    }
    let (width, height) = first.dimensions();
    if width < min_side || height < min_side {
        return Err(FlowError::TooSmall {
            width,
            height,
            min_width: min_side,
            min_height: min_side,
        });
    }
    Ok((
        Plane::luminance(first, "first frame")?,
        Plane::luminance(second, "second frame")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize) -> Plane {
        let mut p = Plane::zeros(w, h);
        for y in 0..h {
            for x in 0..w {
                p.data[y * w + x] = 2.0 * x as f32 + 3.0 * y as f32;
            }
        }
        p
    }

    #[test]
    fn gradients_of_a_ramp_are_its_slopes() {
        let p = ramp(6, 5);
        for (gx, gy) in [p.sobel(), p.central()] {
            assert!((gx.at(3, 2) - 2.0).abs() < 1e-5 && (gy.at(3, 2) - 3.0).abs() < 1e-5);
        }
        // One-sided at the border: still the slope.
        let (gx, gy) = p.central();
        assert!((gx.at(0, 0) - 2.0).abs() < 1e-5 && (gy.at(5, 4) - 3.0).abs() < 1e-5);
    }

    #[test]
    fn downsampling_keeps_centres_aligned_with_upsampling() {
        // The coarse ramp, read through the coarse-to-fine mapping, is the fine ramp.
        let p = ramp(8, 6);
        let c = p.downsample();
        assert_eq!((c.w, c.h), (4, 3));
        let f = FlowField::from_fn(4, 3, |x, y| [c.at(x as usize, y as usize), 0.0]);
        let up = upsample_flow(&f, 8, 6, 2.0);
        // Interior (away from the clamped border) is exact: 2·(2x + 3y).
        assert!((up.get(3, 2).unwrap()[0] - 2.0 * (2.0 * 3.0 + 3.0 * 2.0)).abs() < 1e-4);
    }

    #[test]
    fn luminance_rejects_non_finite_pixels() {
        let mut img = Rgb32FImage::new(3, 2);
        img.put_pixel(2, 1, image::Rgb([0.0, f32::NAN, 0.0]));
        assert!(matches!(
            Plane::luminance(&img, "frame"),
            Err(FlowError::NonFinite { x: 2, y: 1, .. })
        ));
        // Finite, but infinite once scaled to [0, 255].
        img.put_pixel(2, 1, image::Rgb([f32::MAX, f32::MAX, f32::MAX]));
        assert!(Plane::luminance(&img, "frame").is_err());
    }
}
