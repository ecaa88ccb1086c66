//! The README's gallery: photo · painting · result panels from the shared images.
//!
//! ```text
//! cargo run --release --example gallery -- WEIGHTS [OUT_DIR] [ITERATIONS] [SIZE]
//! ```
//!
//! `WEIGHTS` is a trained VGG16 file (docs/weights.md; with random weights the results
//! mean nothing); panels go to `OUT_DIR` (default `docs/img`) as JPEGs of at most 150 KB,
//! one per pair, after `ITERATIONS` (default 150) at `SIZE` px (default 512), every other
//! setting at its default. The pairs come from `../shared/images/` (skipped with a
//! message where absent); their credits are in docs/img/CREDITS.md.

use std::error::Error;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use impasto::transfer::Init;
use impasto::{StyleTransfer, WeightsSource};

// The pairs and their folder; not the size list the other tools read.
#[allow(dead_code)]
#[path = "common/pairs.rs"]
mod pairs;

use pairs::{PAIRS, stem};

/// A panel's width in pixels.
const PANEL_WIDTH: u32 = 900;
/// Largest panel file.
const MAX_BYTES: usize = 150_000;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let weights = PathBuf::from(
        args.next()
            .ok_or("usage: gallery WEIGHTS [OUT_DIR] [ITERATIONS] [SIZE]")?,
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "docs/img".into()));
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(150);
    let size: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(512);
    let Some(images) = pairs::images() else {
        return Ok(());
    };
    std::fs::create_dir_all(&out)?;
    for (photo, painting) in PAIRS {
        let (photo_path, painting_path) = (images.join(photo), images.join(painting));
        let result = StyleTransfer::new(photo_path.as_path(), vec![painting_path.as_path().into()])
            .with_weights(WeightsSource::Path(weights.clone()))
            .with_size(size)
            .with_iterations(iterations)
            // The panels in docs/img were made from noise, the default of their time.
            .with_init(Init::Noise)
            .run(&Device::flex(), &mut ())?;
        let photo_image = image::open(&photo_path)?.to_rgb8();
        let painting_image = image::open(&painting_path)?.to_rgb8();
        let panel = panel(&photo_image, &painting_image, &result.image);
        let path = out.join(format!("{}-{}.jpg", stem(photo), stem(painting)));
        let bytes = save_jpeg(&panel, &path)?;
        println!(
            "{}: {} iterations in {:.0} s, {} KB",
            path.display(),
            result.report.records.len() - 1,
            result.report.duration_ms / 1e3,
            bytes / 1000
        );
    }
    Ok(())
}

/// Photo, painting (half height, at the top) and result side by side, 8 px apart, scaled
/// to [`PANEL_WIDTH`].
fn panel(photo: &RgbImage, painting: &RgbImage, result: &RgbImage) -> RgbImage {
    let height = result.height();
    let fit = |image: &RgbImage, h: u32| {
        let w = (image.width() as f64 * h as f64 / image.height() as f64).round() as u32;
        imageops::resize(image, w.max(1), h, FilterType::Lanczos3)
    };
    let parts = [
        fit(photo, height),
        fit(painting, height / 2),
        result.clone(),
    ];
    let width = parts.iter().map(RgbImage::width).sum::<u32>() + 16;
    let mut canvas = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let mut x = 0;
    for part in &parts {
        imageops::replace(&mut canvas, part, i64::from(x), 0);
        x += part.width() + 8;
    }
    let scaled_height = (height as f64 * PANEL_WIDTH as f64 / width as f64).round() as u32;
    imageops::resize(
        &canvas,
        PANEL_WIDTH,
        scaled_height.max(1),
        FilterType::Lanczos3,
    )
}

/// Writes `image` as the best JPEG quality (from 85 down) that fits [`MAX_BYTES`].
fn save_jpeg(image: &RgbImage, path: &Path) -> Result<usize, Box<dyn Error>> {
    let mut quality = 85;
    loop {
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, quality).encode_image(image)?;
        if bytes.len() <= MAX_BYTES || quality <= 40 {
            impasto::image::write_atomically(path, &bytes)?;
            return Ok(bytes.len());
        }
        quality -= 5;
    }
}
