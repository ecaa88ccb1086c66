//! The quality figures of results already made (by `impasto transfer`, say), as
//! `benches/tools/balance.rs` prints them for its own runs:
//!
//! ```text
//! cargo run --release --example score -- WEIGHTS PHOTO PAINTING RESULT.png...
//! ```
//!
//! For each result, at its own size (its longest side; the painting at that size, as a
//! transfer with the default style scale uses it):
//! - `structure`: SSIM of the luminance of result and photo, both averaged down to 64 px
//!   on the longest side (1 = the photo's structure exactly);
//! - `style left`: `L_s(result) / L_s(photo)`, the style loss left as a fraction of the
//!   photo's own (0 = the painting's Gram matrices exactly), against the painting as
//!   given (a `--colors` run that recolours it is measured against the original too);
//! - `colour mean Δ`, `colour covariance Δ`: ‖μ_r − μ_p‖₂ and ‖Σ_r − Σ_p‖_F of the RGB
//!   values in [0, 1], how far the result's colours are from the photo's.
//!
//! Both are figures of the picture as saved: 8 bits per channel, clamped to `[0, 1]`. The
//! run report's terms are those of the optimised float image; with the default bounds
//! (the box) the two differ by 8-bit rounding only, but an unconstrained run
//! (`--bounds none`) paints outside `[0, 1]`, and that does not survive the save
//! (docs/benchmarks.md, "Multi-scale runs", has such a run whose style left is 0.0066 in
//! its report and 0.027 as saved; `benches/tools/range.rs` measures it).
//!
//! `WEIGHTS` is a trained VGG16 file (docs/weights.md); with random weights the figures
//! mean nothing. Two evaluations per size, one per result.

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use impasto::transfer::{Init, color_statistics};
use impasto::{StyleTransfer, WeightsSource};

#[path = "common/quality.rs"]
mod quality;

use quality::{evaluate, structure, to_rgb8};

/// How far `result`'s colours are from `photo`'s: ‖μ_r − μ_p‖₂ and ‖Σ_r − Σ_p‖_F of the
/// RGB values in [0, 1] (Gatys et al. 2017's colour statistics).
fn colour_distance(photo: &image::Rgb32FImage, result: &image::RgbImage) -> (f64, f64) {
    let result = image::DynamicImage::ImageRgb8(result.clone()).into_rgb32f();
    let (mean_p, cov_p) = color_statistics(photo);
    let (mean_r, cov_r) = color_statistics(&result);
    let mean = (0..3)
        .map(|i| (mean_r[i] - mean_p[i]).powi(2))
        .sum::<f64>()
        .sqrt();
    let cov = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| (cov_r[i][j] - cov_p[i][j]).powi(2))
        .sum::<f64>()
        .sqrt();
    (mean, cov)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let [weights, photo, painting, results @ ..] = args.as_slice() else {
        return Err("usage: score WEIGHTS PHOTO PAINTING RESULT.png...".into());
    };
    if results.is_empty() {
        return Err("give at least one result image".into());
    }
    let device = Device::flex();
    // The style loss of `init` at `size`: one evaluation, no iteration.
    let style_loss = |size: u32, init: Init| -> Result<f64, Box<dyn Error>> {
        let transfer = StyleTransfer::new(photo.as_path(), vec![painting.as_path().into()])
            .with_weights(WeightsSource::Path(weights.clone()))
            .with_size(size);
        Ok(evaluate(&transfer, init, &device)?.style)
    };
    let mut photo_style = Vec::<(u32, f64)>::new();
    println!(
        "| result | size | structure (SSIM at 64 px) | style left | colour mean Δ | colour covariance Δ |"
    );
    println!("|---|---|---|---|---|---|");
    for result in results {
        let image = image::open(result)?.to_rgb8();
        let size = image.width().max(image.height());
        let own = match photo_style.iter().find(|(s, _)| *s == size) {
            Some(&(_, own)) => own,
            None => {
                let own = style_loss(size, Init::Content)?;
                photo_style.push((size, own));
                own
            }
        };
        let left = style_loss(size, Init::Image(result.as_path().into()))? / own;
        let content = impasto::image::resize_longest_side(impasto::image::load_image(photo)?, size);
        let kept = structure(&to_rgb8(&content), &image);
        let (mean_delta, cov_delta) = colour_distance(&content, &image);
        println!(
            "| {} | {size} | {kept:.3} | {left:.4} | {mean_delta:.4} | {cov_delta:.5} |",
            result.display()
        );
    }
    Ok(())
}
