//! impasto's side of the comparison with PyTorch on the same objective
//! (`benches/reference/torch_transfer.py` is the other side).
//!
//! ```text
//! cargo run --release --example against_torch -- WEIGHTS [SIZES] [ITERATIONS] [OUT_DIR] [PAIRS]
//! python3 benches/reference/torch_transfer.py WEIGHTS OUT_DIR
//! ```
//!
//! For every pair (default: the first of the shared pairs; `PAIRS` = `all` for the three)
//! and size (default `256,512`), it runs an L-BFGS transfer with every default but the
//! start (`ITERATIONS`, default 200, from a noise image it draws itself) and writes to
//! `OUT_DIR/PAIR-SIZE/` (default `target/against-torch`) what PyTorch needs to optimise the
//! very same objective:
//! - `content.f32`, `style.f32`, `start.f32`: the images as impasto sized them, f32
//!   little-endian, height × width × RGB in `[0, 1]`;
//! - `report.json`: impasto's run report: the image sizes, the resolved α, β, γ (the
//!   balance's), the layers, and the loss after every iteration with its evaluation count.
//!
//! `WEIGHTS` must be a torchvision-convention VGG16 file (the folded trained one of
//! docs/weights.md); the Python side rebuilds that network. docs/benchmarks.md ("Against
//! PyTorch on the same objective") has the figures.

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use image::Rgb32FImage;
use impasto::image::{load_image, resize_longest_side};
use impasto::transfer::{Init, Schedule};
use impasto::vgg::portable_rng;
use impasto::{StyleTransfer, WeightsSource};

#[path = "common/pairs.rs"]
mod pairs;

use pairs::{PAIRS, stem};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: against_torch WEIGHTS [SIZES] [ITERATIONS] [OUT_DIR] [all]";
    let weights = PathBuf::from(args.next().ok_or(usage)?);
    let sizes = pairs::sizes(args.next(), "256,512")?;
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/against-torch".into()));
    let pairs = if args.next().as_deref() == Some("all") {
        &PAIRS[..]
    } else {
        &PAIRS[..1]
    };
    let Some(images) = pairs::images() else {
        return Ok(());
    };
    let device = Device::flex();
    for (photo, painting) in pairs {
        for &size in &sizes {
            let dir = out.join(format!("{}-{size}", stem(photo)));
            std::fs::create_dir_all(&dir)?;
            let content = resize_longest_side(load_image(images.join(photo))?, size);
            let style = resize_longest_side(load_image(images.join(painting))?, size);
            let (w, h) = content.dimensions();
            let noise =
                portable_rng::uniform(portable_rng::stream(0, 1), 3 * (w * h) as usize, 0.0, 1.0);
            let start = Rgb32FImage::from_raw(w, h, noise).ok_or("noise of the wrong length")?;
            for (name, image) in [("content", &content), ("style", &style), ("start", &start)] {
                let bytes: Vec<u8> = image
                    .as_raw()
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect();
                std::fs::write(dir.join(format!("{name}.f32")), bytes)?;
            }
            let result = StyleTransfer::new(content, vec![style.into()])
                .with_weights(WeightsSource::Path(weights.clone()))
                .with_schedule(Schedule::single(size, iterations))
                .with_init(Init::Image(start.into()))
                .run(&device, &mut ())?;
            let report = &result.report;
            std::fs::write(
                dir.join("report.json"),
                serde_json::to_string_pretty(report)?,
            )?;
            impasto::image::save_image(&result.image, dir.join("impasto.png"))?;
            println!(
                "{} {size} px: {} evaluations, loss {:.6e}, {:.0} s -> {}",
                stem(photo),
                report.evaluations,
                report.records[report.best_iteration].loss,
                report.duration_ms / 1e3,
                dir.display()
            );
        }
    }
    Ok(())
}
