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

use image::Rgb32FImage;

/// `S_tv` for a stage of `stage` = `(width, height)` pixels whose photo is `photo` at
/// its own size, given `measured`, the TV of the photo resized to the stage.
pub(super) fn tv_scale(photo: &Rgb32FImage, stage: (u32, u32), measured: f64) -> f64 {
    let area = |(w, h): (u32, u32)| f64::from(w) * f64::from(h);
    let ratio = area(stage) / area(photo.dimensions());
    if ratio <= 1.0 {
        return measured;
    }
    measured.max(total_variation(photo) * ratio)
}

/// `Σ (x_{i+1,j} − x_{i,j})² + (x_{i,j+1} − x_{i,j})²` over the channels, as
/// [`total_variation`](impasto_loss::total_variation) computes it on a tensor.
fn total_variation(photo: &Rgb32FImage) -> f64 {
    let (width, height) = photo.dimensions();
    let mut sum = 0.0;
    for y in 0..height {
        for x in 0..width {
            let p = photo.get_pixel(x, y).0;
            let mut add = |q: [f32; 3]| {
                for c in 0..3 {
                    sum += f64::from(q[c] - p[c]).powi(2);
                }
            };
            if x + 1 < width {
                add(photo.get_pixel(x + 1, y).0);
            }
            if y + 1 < height {
                add(photo.get_pixel(x, y + 1).0);
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn matches_the_loss_crates_total_variation() {
        let photo = Rgb32FImage::from_fn(7, 5, |x, y| {
            Rgb([
                (x * y) as f32 / 35.0,
                (x + y) as f32 / 12.0,
                ((x * 7 + y * 3) % 5) as f32 / 5.0,
            ])
        });
        let tensor = crate::image_to_tensor(&photo, &burn::tensor::Device::flex());
        let expected = impasto_loss::total_variation(tensor).into_scalar::<f64>();
        assert!((total_variation(&photo) - expected).abs() <= 1e-5 * expected);
    }

    #[test]
    fn follows_the_area_only_above_the_photos_size() {
        let photo = Rgb32FImage::from_fn(10, 10, |x, _| Rgb([(x % 2) as f32; 3]));
        let own = total_variation(&photo);
        // At or below its size: what was measured at the stage.
        assert_eq!(tv_scale(&photo, (10, 10), 7.0), 7.0);
        assert_eq!(tv_scale(&photo, (5, 5), 7.0), 7.0);
        // Upscaled 2×: the own TV times the area ratio, unless the measured is larger.
        assert_eq!(tv_scale(&photo, (20, 20), 7.0), own * 4.0);
        assert_eq!(tv_scale(&photo, (20, 20), 1e9), 1e9);
    }
}
