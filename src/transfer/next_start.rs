//! Where a stage after the first starts: the previous stage's result at the new size,
//! with the content photo's detail that the previous size could not hold.

use burn::tensor::{Device, Tensor};
use image::Rgb32FImage;
use image::imageops::{self, FilterType};

use crate::image_io::resize_to;
use crate::{image_to_tensor, tensor_to_float_image};

/// The previous stage's result `x` as the start of a stage of `(width, height)` pixels,
/// read once to the host.
///
/// The result is clamped to `[0, 1]` (as it would be saved) and resized (Catmull–Rom).
/// With a content image, the detail the photo has at the new size and not at the previous
/// one is added: `C − up(down(C))`, where `C` is the content at the new size, `down` the
/// previous stage's size and `up` the new one (the two resizes the stages themselves make,
/// so a result equal to the previous stage's content starts this stage at this stage's
/// content exactly). A resized result is blurred: at 1024 px from a 512-px result, its
/// missing fine detail raised the content and style losses (`docs/benchmarks.md`,
/// "Multi-scale runs"), and the last stage spent its first iterations putting the photo's
/// edges back; with the detail added it starts nearer and ends lower.
pub(super) fn next_start(
    x: Tensor<4>,
    (width, height): (u32, u32),
    content: Option<&Rgb32FImage>,
    device: &Device,
) -> Tensor<4> {
    let previous = tensor_to_float_image(x.clamp(0.0, 1.0));
    image_to_tensor(&start_image(&previous, (width, height), content), device)
}

/// [`next_start`] on the host: `up(previous) + C − up(down(C))`, clamped to `[0, 1]`.
fn start_image(
    previous: &Rgb32FImage,
    (width, height): (u32, u32),
    content: Option<&Rgb32FImage>,
) -> Rgb32FImage {
    let mut start = imageops::resize(previous, width, height, FilterType::CatmullRom);
    if let Some(content) = content {
        let sharp = resize_to(content, width, height);
        let coarse = resize_to(content, previous.width(), previous.height());
        let blurred = imageops::resize(&coarse, width, height, FilterType::CatmullRom);
        for ((s, c), b) in start.pixels_mut().zip(sharp.pixels()).zip(blurred.pixels()) {
            for k in 0..3 {
                s.0[k] += c.0[k] - b.0[k];
            }
        }
    }
    for p in start.pixels_mut() {
        p.0 = p.0.map(|v| v.clamp(0.0, 1.0));
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resize_longest_side;
    use image::Rgb;

    /// A photo with edges and fine texture, so that resizing loses something.
    fn photo(width: u32, height: u32) -> Rgb32FImage {
        Rgb32FImage::from_fn(width, height, |x, y| {
            let checker = ((x / 2 + y / 3) % 2) as f32;
            Rgb([
                0.2 + 0.6 * checker,
                (x as f32 / width as f32).clamp(0.0, 1.0),
                if x * 3 > width { 0.9 } else { 0.1 },
            ])
        })
    }

    fn max_difference(a: &Rgb32FImage, b: &Rgb32FImage) -> f32 {
        a.pixels()
            .zip(b.pixels())
            .flat_map(|(p, q)| (0..3).map(move |k| (p.0[k] - q.0[k]).abs()))
            .fold(0.0, f32::max)
    }

    #[test]
    fn the_previous_content_gives_this_stages_content() {
        // Sizes as the stages make them: the longest side 32 → 64 from a 90 × 70 photo.
        let original = photo(90, 70);
        let here = resize_longest_side(original.clone(), 64);
        let before = resize_longest_side(original.clone(), 32);
        let start = start_image(&before, here.dimensions(), Some(&original));
        // Catmull-Rom from the original straight to 64 px is the stage's content; the
        // detail is taken from it, so the start is the content up to float rounding.
        let sharp = resize_to(&original, here.width(), here.height());
        assert!(max_difference(&start, &sharp) < 1e-5);
        assert!(max_difference(&sharp, &here) < 1e-5);
        // Without the detail, the start is the blurred content, far from it.
        let plain = start_image(&before, here.dimensions(), None);
        assert!(max_difference(&plain, &here) > 0.2);
    }

    #[test]
    fn without_content_the_start_is_the_resized_result_in_range() {
        let previous = Rgb32FImage::from_fn(16, 12, |x, _| Rgb([(x % 2) as f32, 0.5, 1.0]));
        let start = start_image(&previous, (32, 24), None);
        let plain = imageops::resize(&previous, 32, 24, FilterType::CatmullRom);
        assert_eq!(start.dimensions(), (32, 24));
        for (s, p) in start.pixels().zip(plain.pixels()) {
            for k in 0..3 {
                assert_eq!(s.0[k], p.0[k].clamp(0.0, 1.0));
            }
        }
    }
}
