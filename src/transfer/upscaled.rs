//! The balance's total-variation scale for a photo run larger than it is.
//!
//! The balance weighs total variation by `γ = ρ_tv S_c / S_tv`, `S_tv` the photo's own
//! TV at the stage's size. A photo upscaled to the stage is smooth: its TV grows less than
//! the area (a pair of neighbours differs by less the more the photo is stretched), while
//! the strokes a run paints have a TV that grows with the area. So the upscaled photo's
//! `S_tv` makes `γ` penalise fine strokes more the more the photo is upscaled
//! (docs/benchmarks.md, "Upscaled photos: the TV term holds the fine texture back").
//! Where the stage is larger than the photo, `S_tv` is therefore the photo's TV at its
//! own size scaled by the ratio of the areas (or the upscaled photo's, if larger): the
//! TV a photo with the same detail per pixel would have. Stages at or below the photo's
//! size keep the balance measured there.

use burn::tensor::Device;
use image::Rgb32FImage;
use impasto_loss::total_variation;

use crate::image_to_tensor;

/// `S_tv` for a stage of `stage` = `(width, height)` pixels whose photo is `photo` at
/// its own size, given `measured`, the TV of the photo resized to the stage. The photo's
/// own TV is measured (on `device`, smaller than the stage's image) only where the stage
/// is larger.
pub(super) fn tv_scale(
    photo: &Rgb32FImage,
    stage: (u32, u32),
    measured: f64,
    device: &Device,
) -> f64 {
    let area = |(w, h): (u32, u32)| f64::from(w) * f64::from(h);
    let ratio = area(stage) / area(photo.dimensions());
    if ratio <= 1.0 {
        return measured;
    }
    let own = total_variation(image_to_tensor(photo, device)).into_scalar::<f64>();
    measured.max(own * ratio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Columns alternating black and white: 9 horizontal neighbours per row differ by 1
    /// in each of 3 channels, no vertical ones, so its own TV is 9 · 10 · 3 = 270.
    fn columns() -> Rgb32FImage {
        Rgb32FImage::from_fn(10, 10, |x, _| Rgb([(x % 2) as f32; 3]))
    }

    #[test]
    fn the_photos_own_tv_is_the_loss_crates() {
        let device = Device::flex();
        let own = total_variation(image_to_tensor(&columns(), &device)).into_scalar::<f64>();
        assert_eq!(own, 270.0);
        assert_eq!(tv_scale(&columns(), (20, 20), 7.0, &device), own * 4.0);
    }

    #[test]
    fn follows_the_area_only_above_the_photos_size() {
        let device = Device::flex();
        let photo = columns();
        // At or below its size: what was measured at the stage.
        assert_eq!(tv_scale(&photo, (10, 10), 7.0, &device), 7.0);
        assert_eq!(tv_scale(&photo, (5, 5), 7.0, &device), 7.0);
        // Upscaled 2×: the own TV times the area ratio, unless the measured is larger.
        assert_eq!(tv_scale(&photo, (20, 20), 7.0, &device), 270.0 * 4.0);
        assert_eq!(tv_scale(&photo, (20, 20), 1e9, &device), 1e9);
    }
}
