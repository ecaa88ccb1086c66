//! The paper's Figure 1 for impasto's network: what each layer keeps of a photo (content
//! reconstructions from relu1_1 … relu5_1) and of a painting (style reconstructions from
//! relu1_1, then relu1_1 + relu2_1, … up to relu5_1), from noise, as one figure.
//!
//! ```text
//! cargo run --release --example reconstructions -- WEIGHTS [OUT] [ITERATIONS] [SIZE]
//! ```
//!
//! `WEIGHTS` is a trained VGG16 file (docs/weights.md); the figure goes to `OUT` (default
//! `docs/img/reconstructions.jpg`): the top row content, the bottom row style, one column
//! per depth; `ITERATIONS` (default 200) at `SIZE` px (default 160). Photo and painting
//! are `tubingen.jpg` and `starry_night.jpg` from `../shared/images/` (skipped with a
//! message where absent).

use std::error::Error;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use image::codecs::jpeg::JpegEncoder;
use image::imageops;
use image::{Rgb, RgbImage};
use impasto::vgg::VggLayer;
use impasto::{StyleTransfer, WeightsSource};

/// The first ReLU of each block, the layers the paper reconstructs from.
const LAYERS: [VggLayer; 5] = impasto::loss::DEFAULT_STYLE_LAYERS;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let weights = PathBuf::from(
        args.next()
            .ok_or("usage: reconstructions WEIGHTS [OUT] [ITERATIONS] [SIZE]")?,
    );
    let out = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "docs/img/reconstructions.jpg".into()),
    );
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let size: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(160);
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/images");
    if !images.is_dir() {
        println!("skipped: {} is absent", images.display());
        return Ok(());
    }
    let (photo, painting) = (images.join("tubingen.jpg"), images.join("starry_night.jpg"));
    let run = |transfer: StyleTransfer| {
        transfer
            .with_weights(WeightsSource::Path(weights.clone()))
            .with_size(size)
            .with_iterations(iterations)
            .run(&Device::flex(), &mut ())
    };
    let mut rows: [Vec<RgbImage>; 2] = [Vec::new(), Vec::new()];
    for (depth, &layer) in LAYERS.iter().enumerate() {
        let content = run(StyleTransfer::reconstruct_content(photo.as_path(), layer))?;
        let style = run(StyleTransfer::reconstruct_style(
            painting.as_path(),
            LAYERS[..=depth].to_vec(),
        ))?;
        println!(
            "{layer}: content loss {:.3e}, style loss {:.3e}",
            content.report.records[content.report.best_iteration].loss,
            style.report.records[style.report.best_iteration].loss
        );
        rows[0].push(content.image);
        rows[1].push(style.image);
    }
    let figure = grid(&rows);
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 60).encode_image(&figure)?;
    impasto::image::write_atomically(&out, &bytes)?;
    println!("{} ({} KB)", out.display(), bytes.len() / 1000);
    Ok(())
}

/// The rows one above the other, each image beside the last, 4 px apart on white.
fn grid(rows: &[Vec<RgbImage>; 2]) -> RgbImage {
    let width = |row: &Vec<RgbImage>| row.iter().map(|i| i.width() + 4).sum::<u32>();
    let height = |row: &Vec<RgbImage>| row.iter().map(RgbImage::height).max().unwrap_or(0);
    let total_width = rows.iter().map(width).max().unwrap_or(0);
    let total_height = rows.iter().map(|r| height(r) + 4).sum::<u32>();
    let mut canvas = RgbImage::from_pixel(total_width, total_height, Rgb([255, 255, 255]));
    let mut y = 0;
    for row in rows {
        let mut x = 0;
        for image in row {
            imageops::replace(&mut canvas, image, i64::from(x), i64::from(y));
            x += image.width() + 4;
        }
        y += height(row) + 4;
    }
    canvas
}
