//! Keeping the content image's colours: luminance from the result, chrominance from the
//! content (Gatys, Bethge, Hertzmann & Shechtman 2016, "Preserving color in neural
//! artistic style transfer", the luminance-only variant applied to the result, as
//! jcjohnson/neural-style's `-original_colors 1` does).

use image::{Rgb, Rgb32FImage, RgbImage};

/// ITU-R BT.601 luma weights (the YIQ/YUV/YCbCr Y of both references above).
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

fn luma(rgb: [f32; 3]) -> f32 {
    LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2]
}

/// `result`'s luminance with `content`'s colour: each pixel is `content + (Y_result −
/// Y_content)`, i.e. the content's RGB shifted along the grey axis to the result's luma,
/// which keeps the content's chroma (Cb, Cr) exactly. Values are clamped to `[0, 1]`.
///
/// # Shapes
/// `content` has `result`'s size: both are the content image at the run's size.
pub(crate) fn keep_original_colors(result: &RgbImage, content: &Rgb32FImage) -> RgbImage {
    assert_eq!(
        content.dimensions(),
        result.dimensions(),
        "the result is optimised at the content image's size"
    );
    RgbImage::from_fn(result.width(), result.height(), |x, y| {
        let r = result.get_pixel(x, y).0.map(|v| v as f32 / 255.0);
        let c = content.get_pixel(x, y).0;
        let shift = luma(r) - luma(c);
        Rgb(c.map(|v| ((v + shift).clamp(0.0, 1.0) * 255.0).round() as u8))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chroma(rgb: [f32; 3]) -> [f32; 2] {
        let y = luma(rgb);
        [(rgb[2] - y) * 0.564, (rgb[0] - y) * 0.713] // BT.601 Cb, Cr
    }

    #[test]
    fn luminance_from_the_result_colour_from_the_content() {
        let content = Rgb32FImage::from_fn(8, 4, |x, y| {
            Rgb([0.2 + 0.05 * x as f32, 0.5, 0.3 + 0.1 * y as f32])
        });
        let result = RgbImage::from_fn(8, 4, |x, y| Rgb([(30 * x) as u8, 90, (40 * y) as u8]));
        let mixed = keep_original_colors(&result, &content);
        for (x, y, out) in mixed.enumerate_pixels() {
            let out = out.0.map(|v| v as f32 / 255.0);
            let want_y = luma(result.get_pixel(x, y).0.map(|v| v as f32 / 255.0));
            assert!((luma(out) - want_y).abs() < 3.0 / 255.0, "luma at {x},{y}");
            let (got, want) = (chroma(out), chroma(content.get_pixel(x, y).0));
            for k in 0..2 {
                assert!((got[k] - want[k]).abs() < 3.0 / 255.0, "chroma at {x},{y}");
            }
        }
    }

    #[test]
    fn a_grey_result_on_a_grey_content_is_the_result() {
        let content = Rgb32FImage::from_pixel(3, 3, Rgb([0.5, 0.5, 0.5]));
        let result = RgbImage::from_pixel(3, 3, Rgb([200, 200, 200]));
        assert_eq!(keep_original_colors(&result, &content), result);
    }
}
