//! The run's result as an image, and keeping the content image's colours: luminance from
//! the result, chrominance from the content (Gatys, Bethge, Hertzmann & Shechtman 2016,
//! "Preserving color in neural artistic style transfer", the luminance-only variant
//! applied to the result, as jcjohnson/neural-style's `-original_colors 1` does).

use burn::tensor::Tensor;
use image::RgbImage;

use crate::tensor_to_image;

/// ITU-R BT.601 luma weights (the YIQ/YUV/YCbCr Y of both references above).
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

/// Y of every pixel of `[1, 3, H, W]` pixels, `[1, 1, H, W]`.
fn luma(rgb: Tensor<4>) -> Tensor<4> {
    let channel = |c: usize| rgb.clone().narrow(1, c, 1).mul_scalar(LUMA[c]);
    channel(0) + channel(1) + channel(2)
}

/// The image a run saves of `iterate`: pixels clamped to `[0, 1]`, with `original_colors`'
/// colours if given (see [`keep_original_colors`]), quantised to 8 bits once.
///
/// # Shapes
/// `iterate`: `[1, 3, H, W]`; `original_colors`: the content image, the same shape.
pub(crate) fn result_image(iterate: Tensor<4>, original_colors: Option<&Tensor<4>>) -> RgbImage {
    match original_colors {
        Some(content) => tensor_to_image(keep_original_colors(iterate, content.clone())),
        None => tensor_to_image(iterate),
    }
}

/// `result`'s luminance with `content`'s colour: each pixel is `content + (Y_result −
/// Y_content)`, i.e. the content's RGB shifted along the grey axis to the result's luma
/// (the result clamped to `[0, 1]` first), which keeps the content's chroma (Cb, Cr)
/// exactly. Values are clamped to `[0, 1]`.
///
/// # Shapes
/// `content` has `result`'s shape `[1, 3, H, W]`: both are the content image at the run's
/// size.
fn keep_original_colors(result: Tensor<4>, content: Tensor<4>) -> Tensor<4> {
    assert_eq!(
        content.dims(),
        result.dims(),
        "the result is optimised at the content image's size"
    );
    let shift = luma(result.clamp(0.0, 1.0)) - luma(content.clone());
    (content + shift).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;
    use image::{Rgb, Rgb32FImage};

    use super::*;
    use crate::image_to_tensor;

    fn luma(rgb: [f32; 3]) -> f32 {
        LUMA[0] as f32 * rgb[0] + LUMA[1] as f32 * rgb[1] + LUMA[2] as f32 * rgb[2]
    }

    fn chroma(rgb: [f32; 3]) -> [f32; 2] {
        let y = luma(rgb);
        [(rgb[2] - y) * 0.564, (rgb[0] - y) * 0.713] // BT.601 Cb, Cr
    }

    /// An 8-bit image as the optimised tensor it could come from.
    fn tensor(image: &RgbImage) -> Tensor<4> {
        let float = Rgb32FImage::from_fn(image.width(), image.height(), |x, y| {
            Rgb(image.get_pixel(x, y).0.map(|v| v as f32 / 255.0))
        });
        image_to_tensor(&float, &Device::flex())
    }

    #[test]
    fn luminance_from_the_result_colour_from_the_content() {
        let content = Rgb32FImage::from_fn(8, 4, |x, y| {
            Rgb([0.2 + 0.05 * x as f32, 0.5, 0.3 + 0.1 * y as f32])
        });
        let result = RgbImage::from_fn(8, 4, |x, y| Rgb([(30 * x) as u8, 90, (40 * y) as u8]));
        let content_tensor = image_to_tensor(&content, &Device::flex());
        let mixed = result_image(tensor(&result), Some(&content_tensor));
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
        let content = image_to_tensor(&content, &Device::flex());
        assert_eq!(result_image(tensor(&result), Some(&content)), result);
    }

    /// The result is quantised once, at the end: its luma is taken unrounded.
    #[test]
    fn the_result_is_quantised_once() {
        let device = Device::flex();
        // A grey result of 100.4/255 (which alone rounds to 100), on a content whose red
        // sits 0.2/255 above its luma: red comes out at 100.6/255, so 101. Rounding the
        // result first would give 100 + 0.2 → 100.
        let result = Tensor::<4>::full([1, 3, 1, 1], 100.4 / 255.0, &device);
        let red = 0.5 + 0.2 / (255.0 * (1.0 - LUMA[0]));
        let content = Rgb32FImage::from_pixel(1, 1, Rgb([red as f32, 0.5, 0.5]));
        let content = image_to_tensor(&content, &device);
        let image = result_image(result, Some(&content));
        assert_eq!(image.get_pixel(0, 0).0[0], 101);
    }
}
