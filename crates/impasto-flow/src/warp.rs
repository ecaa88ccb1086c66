//! Backward warping of an RGB image by a flow.

use image::{Rgb, Rgb32FImage};

use crate::{FlowError, FlowField};

/// An image warped by a flow, with where its samples came from inside the source.
#[derive(Clone, Debug)]
pub struct Warped {
    /// `out(x) = image(x + w(x))`, bilinear; a target outside the source is clamped to
    /// its border (the nearest edge pixel), so every pixel has a value.
    pub image: Rgb32FImage,
    /// `true` where `x + w(x)` lies inside the source (`0 ≤ x ≤ width − 1`, same for y):
    /// the clamped pixels are `false` and should not be trusted.
    pub valid: Vec<bool>,
}

/// Backward-warps `image` by `flow` (same size): `out(x) = image(x + w(x))`. With `flow`
/// the flow from frame A to frame B and `image` frame B, the result lines B up with A.
///
/// Errors: [`FlowError::SizeMismatch`], [`FlowError::NonFinite`] (a flow vector).
pub fn warp(image: &Rgb32FImage, flow: &FlowField) -> Result<Warped, FlowError> {
    if image.dimensions() != flow.dimensions() {
        return Err(FlowError::SizeMismatch {
            what: "flow",
            expected: image.dimensions(),
            actual: flow.dimensions(),
        });
    }
    flow.check_finite("flow")?;
    let (w, h) = image.dimensions();
    let mut out = Rgb32FImage::new(w, h);
    let mut valid = Vec::with_capacity(w as usize * h as usize);
    for (x, y, pixel) in out.enumerate_pixels_mut() {
        let [u, v] = flow.as_slice()[(y * w + x) as usize];
        let (tx, ty) = (x as f32 + u, y as f32 + v);
        valid.push(tx >= 0.0 && ty >= 0.0 && tx <= (w - 1) as f32 && ty <= (h - 1) as f32);
        *pixel = sample_rgb(image, tx, ty);
    }
    Ok(Warped { image: out, valid })
}

/// Bilinear RGB at real coordinates, clamped to the image (which is not empty).
fn sample_rgb(image: &Rgb32FImage, x: f32, y: f32) -> Rgb<f32> {
    let (w, h) = image.dimensions();
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as u32, y as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let (a, b, c, d) = (
        image.get_pixel(x0, y0),
        image.get_pixel(x1, y0),
        image.get_pixel(x0, y1),
        image.get_pixel(x1, y1),
    );
    Rgb(std::array::from_fn(|k| {
        let top = a[k] + fx * (b[k] - a[k]);
        let bottom = c[k] + fx * (d[k] - c[k]);
        top + fy * (bottom - top)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_frame_samples_are_clamped() {
        let image = Rgb32FImage::from_fn(5, 4, |x, y| Rgb([x as f32, y as f32, 0.5]));
        let flow = FlowField::from_fn(5, 4, |_, _| [-10.0, 0.0]);
        let warped = warp(&image, &flow).unwrap();
        assert_eq!(warped.image.get_pixel(3, 2), image.get_pixel(0, 2));
        assert!(warped.valid.iter().all(|&v| !v));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let image = Rgb32FImage::new(5, 4);
        assert!(matches!(
            warp(&image, &FlowField::zeros(4, 5)),
            Err(FlowError::SizeMismatch { .. })
        ));
        let mut flow = FlowField::zeros(5, 4);
        flow.as_mut_slice()[0] = [0.0, f32::INFINITY];
        assert!(matches!(
            warp(&image, &flow),
            Err(FlowError::NonFinite { .. })
        ));
        // An empty image and an empty flow: nothing to do, no panic.
        let empty = warp(&Rgb32FImage::new(0, 0), &FlowField::zeros(0, 0)).unwrap();
        assert!(empty.valid.is_empty());
    }
}
