//! The figures of a result made with region masks (`impasto transfer --style-mask`):
//!
//! ```text
//! cargo run --release --example region_score -- WEIGHTS PHOTO RESULT.png MASK:PAINTING...
//! ```
//!
//! - For each region (a mask and the painting given for it), the style loss of the result
//!   inside the mask against **each** painting given, at the result's size (one
//!   evaluation each, with that mask alone): a region painted in its own style has a
//!   lower loss against it than against the others. Printed with the photo's own loss
//!   there, to read as "style left".
//! - `uncovered`: where no mask reaches (every mask below 1 %), the bounding box of those
//!   pixels cut from the result and from the photo, and the SSIM of their luminance at
//!   64 px as `score`'s `structure` (1 = the photo exactly there).
//!
//! `WEIGHTS` is a trained VGG16 file (docs/weights.md); with random weights the figures
//! mean nothing.

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use image::imageops;
use impasto::transfer::{ImageInput, Init};
use impasto::{StyleTransfer, WeightsSource};

#[path = "common/quality.rs"]
mod quality;

use quality::{evaluate, structure, to_rgb8};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [weights, photo, result, regions @ ..] = args.as_slice() else {
        return Err("usage: region_score WEIGHTS PHOTO RESULT.png MASK:PAINTING...".into());
    };
    let regions: Vec<(PathBuf, PathBuf)> = regions
        .iter()
        .map(|r| {
            let (mask, painting) = r
                .split_once(':')
                .ok_or("give each region as MASK:PAINTING")?;
            Ok((mask.into(), painting.into()))
        })
        .collect::<Result<_, &str>>()?;
    if regions.is_empty() {
        return Err("give at least one MASK:PAINTING".into());
    }
    let device = Device::flex();
    let image = image::open(result)?.to_rgb8();
    let size = image.width().max(image.height());
    let photo_path = PathBuf::from(photo);
    let style_loss =
        |mask: &PathBuf, painting: &PathBuf, init: Init| -> Result<f64, Box<dyn Error>> {
            let transfer =
                StyleTransfer::new(photo_path.as_path(), vec![painting.as_path().into()])
                    .with_weights(WeightsSource::Path(weights.into()))
                    .with_size(size)
                    .with_style_masks(vec![ImageInput::from(mask.as_path())]);
            Ok(evaluate(&transfer, init, &device)?.style)
        };
    println!("| region (mask) | painting | result's style loss there | photo's | result / photo |");
    println!("|---|---|---|---|---|");
    for (mask, own) in &regions {
        let mut losses = Vec::new();
        for (_, painting) in &regions {
            let of_result = style_loss(mask, painting, Init::Image(PathBuf::from(result).into()))?;
            let of_photo = style_loss(mask, painting, Init::Content)?;
            println!(
                "| {} | {}{} | {of_result:.4e} | {of_photo:.4e} | {:.4} |",
                mask.display(),
                painting.display(),
                if painting == own { " (its own)" } else { "" },
                of_result / of_photo
            );
            losses.push((painting == own, of_result));
        }
        let own_loss = losses.iter().find(|(o, _)| *o).map_or(f64::NAN, |l| l.1);
        let others = losses.iter().filter(|(o, _)| !*o).map(|l| l.1);
        let nearest_other = others.fold(f64::INFINITY, f64::min);
        println!(
            "| {} | own / nearest other | | | {:.3} |",
            mask.display(),
            own_loss / nearest_other
        );
    }

    // The pixels no mask reaches.
    let (width, height) = image.dimensions();
    let masks: Vec<image::GrayImage> = regions
        .iter()
        .map(|(mask, _)| {
            let m = image::open(mask).map(|m| m.to_luma8())?;
            Ok(imageops::resize(
                &m,
                width,
                height,
                imageops::FilterType::Triangle,
            ))
        })
        .collect::<Result<_, image::ImageError>>()?;
    let uncovered = |x: u32, y: u32| masks.iter().all(|m| m.get_pixel(x, y).0[0] < 3);
    let (mut x0, mut y0, mut x1, mut y1) = (width, height, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if uncovered(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    if x1 > x0 && y1 > y0 {
        let content = impasto::image::resize_longest_side(impasto::image::load_image(photo)?, size);
        let content = to_rgb8(&content);
        let crop = |i: &image::RgbImage| imageops::crop_imm(i, x0, y0, x1 - x0, y1 - y0).to_image();
        println!(
            "uncovered: x {x0}..{x1}, y {y0}..{y1}: structure (SSIM at 64 px) {:.3}",
            structure(&crop(&content), &crop(&image))
        );
    } else {
        println!("uncovered: none");
    }
    Ok(())
}
