//! The quality figures of a result, shared by the tools that print them
//! (`balance`, `score`, `range`): how much of the photo's structure it keeps, and one
//! image's terms under a transfer's objective.

use burn::tensor::Device;
use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use impasto::report::IterationReport;
use impasto::transfer::Init;
use impasto::{ImpastoError, StyleTransfer};

/// The terms of the image `init` under `transfer`'s objective at its size (its targets and
/// balance): one evaluation, no iteration.
pub fn evaluate(
    transfer: &StyleTransfer,
    init: Init,
    device: &Device,
) -> Result<IterationReport, ImpastoError> {
    let output = transfer
        .clone()
        .with_iterations(0)
        .with_init(init)
        .run(device, &mut ())?;
    Ok(output.report.records[0].clone())
}

pub fn to_rgb8(image: &image::Rgb32FImage) -> RgbImage {
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        let p = image.get_pixel(x, y).0;
        image::Rgb(p.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
    })
}

/// Averaged down to 64 px on the longest side.
pub fn small(image: &GrayImage) -> GrayImage {
    let (w, h) = image.dimensions();
    let (w, h) = impasto::image::fit_longest_side(w, h, 64);
    imageops::resize(image, w, h, FilterType::Triangle)
}

/// Mean SSIM (Wang et al. 2004) over 7 × 7 windows, data range 1, K₁ = 0.01, K₂ = 0.03.
pub fn ssim(a: &GrayImage, b: &GrayImage) -> f64 {
    const R: u32 = 3;
    let (c1, c2) = (0.01f64.powi(2), 0.03f64.powi(2));
    let (w, h) = a.dimensions().min(b.dimensions());
    let px = |img: &GrayImage, x: u32, y: u32| f64::from(img.get_pixel(x, y).0[0]) / 255.0;
    let (mut total, mut count) = (0.0, 0.0);
    for y in R..h.saturating_sub(R) {
        for x in R..w.saturating_sub(R) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for v in y - R..=y + R {
                for u in x - R..=x + R {
                    let (p, q) = (px(a, u, v), px(b, u, v));
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                    n += 1.0;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            // Sample (co)variances, as skimage's default.
            let k = n / (n - 1.0);
            let (va, vb, cov) = (
                k * (saa / n - ma * ma),
                k * (sbb / n - mb * mb),
                k * (sab / n - ma * mb),
            );
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1.0;
        }
    }
    total / count
}

/// `structure`: SSIM of the luminance of `result` and `photo` (the photo at the result's
/// size), both averaged down to 64 px on the longest side (1 = the photo's structure).
pub fn structure(photo: &RgbImage, result: &RgbImage) -> f64 {
    let gray = |image: &RgbImage| small(&imageops::colorops::grayscale(image));
    ssim(&gray(photo), &gray(result))
}
