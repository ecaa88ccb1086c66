//! What `--regions N` finds on photos: each photo beside its regions, coloured, one row per
//! photo, written as one image.
//!
//! ```text
//! cargo run --release --example region_sheet -- WEIGHTS OUT.png N PHOTO... [--features F] [--colour C] [--position P]
//! ```
//!
//! Each photo is analysed as a 512-px transfer does (`StyleTransfer::with_regions`, no
//! iteration); the settings default to [`RegionSettings::default`]. Region 1 (the
//! largest) is red, 2 green, 3 blue, 4 yellow, 5 magenta, 6 cyan, laid over the photo's
//! luminance. `WEIGHTS` is a trained VGG16 file (docs/weights.md).

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use impasto::regions::RegionSettings;
use impasto::transfer::{ImageInput, Init};
use impasto::{StyleTransfer, WeightsSource};

const COLOURS: [[f32; 3]; 6] = [
    [0.9, 0.15, 0.1],
    [0.2, 0.8, 0.2],
    [0.15, 0.3, 0.95],
    [0.95, 0.85, 0.1],
    [0.85, 0.2, 0.85],
    [0.1, 0.85, 0.9],
];
/// Each panel's height in the sheet.
const ROW: u32 = 240;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut settings = RegionSettings::default();
    let mut take = |name: &str, value: &mut f64| -> Result<(), Box<dyn Error>> {
        if let Some(i) = args.iter().position(|a| a == name) {
            *value = args.get(i + 1).ok_or("a value after the option")?.parse()?;
            args.drain(i..i + 2);
        }
        Ok(())
    };
    take("--features", &mut settings.features)?;
    take("--colour", &mut settings.colour)?;
    take("--position", &mut settings.position)?;
    let [weights, out, count, photos @ ..] = args.as_slice() else {
        return Err("usage: region_sheet WEIGHTS OUT.png N PHOTO...".into());
    };
    let count: usize = count.parse()?;
    let device = Device::flex();
    let mut rows = Vec::new();
    for photo in photos {
        let photo = PathBuf::from(photo);
        let output = StyleTransfer::new(photo.as_path(), vec![ImageInput::from(photo.as_path())])
            .with_weights(WeightsSource::Path(weights.into()))
            .with_automatic_regions(count, settings)
            .with_iterations(0)
            .with_init(Init::Content)
            .run(&device, &mut ())?;
        let picture = output.image;
        let (w, h) = picture.dimensions();
        let overlay = RgbImage::from_fn(w, h, |x, y| {
            let p = picture.get_pixel(x, y).0.map(|v| f32::from(v) / 255.0);
            let luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            let mut colour = [0.0f32; 3];
            for (k, region) in output.regions.iter().enumerate() {
                let m = region.get_pixel(x, y).0[0];
                for c in 0..3 {
                    colour[c] += m * COLOURS[k % COLOURS.len()][c];
                }
            }
            Rgb(colour.map(|c| ((0.35 + 0.65 * luma) * c * 255.0).round().clamp(0.0, 255.0) as u8))
        });
        let width = (w as f64 * f64::from(ROW) / h as f64).round() as u32;
        let scale = |i: &RgbImage| imageops::resize(i, width, ROW, FilterType::Triangle);
        rows.push((scale(&picture), scale(&overlay)));
        println!(
            "{}: {w}x{h}, {} regions",
            photo.display(),
            output.regions.len()
        );
    }
    let sheet_width = rows
        .iter()
        .map(|(a, b)| a.width() + b.width() + 8)
        .max()
        .unwrap_or(1);
    let mut sheet = RgbImage::from_pixel(sheet_width, rows.len() as u32 * (ROW + 8), Rgb([255; 3]));
    for (i, (picture, overlay)) in rows.iter().enumerate() {
        let y = i as i64 * i64::from(ROW + 8);
        imageops::overlay(&mut sheet, picture, 0, y);
        imageops::overlay(&mut sheet, overlay, i64::from(picture.width() + 8), y);
    }
    sheet.save(out)?;
    Ok(())
}
