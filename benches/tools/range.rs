//! How far a transfer's optimised image leaves `[0, 1]`, and what clamping it for the save
//! costs in loss:
//!
//! ```text
//! cargo run --release --example range -- WEIGHTS PHOTO PAINTING SIZE [ITERATIONS] [BOUNDS]
//! ```
//!
//! With `ITERATIONS` (a number), a single-scale run of that many iterations at `SIZE`;
//! without, the default schedule up to `SIZE`. `BOUNDS` is `box` (the library's default:
//! nothing leaves `[0, 1]`, and the saved loss differs from the optimised by rounding
//! only), `none` (unconstrained, as every run was before the bounds: what the save's
//! clamp costs), `sigmoid` or `penalty`. All from the photo, with every other default. Then the
//! last iterate is evaluated again (one evaluation each, no iteration) as it is, clamped
//! to `[0, 1]`, quantised to 8 bits without clamping, and both (what a saved PNG holds),
//! and the share of its values outside `[0, 1]` is printed. `WEIGHTS`: a trained VGG16
//! file (docs/weights.md); with random weights the figures mean nothing.

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use image::Rgb32FImage;
use impasto::optim::Control;
use impasto::transfer::{Init, PixelBounds, Progress, Schedule};
use impasto::{StyleTransfer, WeightsSource};

// Only `evaluate` is used here; the structure figure is the other tools'.
#[allow(dead_code)]
#[path = "common/quality.rs"]
mod quality;

use quality::evaluate;

/// What is done to each value of the image before it is evaluated again.
type PixelMap = fn(f32) -> f32;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [weights, photo, painting, size, rest @ ..] = args.as_slice() else {
        return Err("usage: range WEIGHTS PHOTO PAINTING SIZE [ITERATIONS] [BOUNDS]".into());
    };
    let size: u32 = size.parse()?;
    let iterations: Option<usize> = rest.first().and_then(|n| n.parse().ok());
    let bounds: PixelBounds = match rest.iter().find(|a| a.parse::<usize>().is_err()) {
        Some(name) => name.parse()?,
        None => PixelBounds::default(),
    };
    let transfer = StyleTransfer::new(photo.as_str(), vec![painting.as_str().into()])
        .with_weights(WeightsSource::Path(PathBuf::from(weights)))
        .with_size(size)
        .with_pixel_bounds(bounds);
    let run = match iterations {
        Some(n) => transfer.clone().with_schedule(Schedule::single(size, n)),
        None => transfer.clone(),
    };
    let device = Device::flex();
    let last_iteration = run.total_iterations();
    let mut last = None;
    let mut observer = |p: &Progress<'_>| {
        if p.record().iteration == last_iteration {
            last = Some(p.pixels());
        }
        Control::Continue
    };
    let output = run.run(&device, &mut observer)?;
    let report = &output.report;
    let record = report.records.last().ok_or("the run has no record")?;
    // The best point is the last iterate only if the run went to its end.
    let pixels = last.ok_or("the run ended before its last iteration")?;
    let values = pixels.as_raw();
    let outside = values.iter().filter(|v| !(0.0..=1.0).contains(*v)).count();
    let (low, high) = values
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    println!(
        "{} iterations: {:.2} % of the values outside [0, 1], from {low:.3} to {high:.3}",
        record.iteration,
        100.0 * outside as f64 / values.len() as f64
    );
    println!("| image | loss | α·L_c | L_s | γ·L_tv |");
    println!("|---|---|---|---|---|");
    let weights = report.config.stages.last().ok_or("no stage")?.weights;
    let row = |name: &str, loss: f64, content: f64, style: f64, tv: f64| {
        println!(
            "| {name} | {loss:.4e} | {:.4e} | {style:.4e} | {:.4e} |",
            weights.content * content,
            weights.tv * tv
        );
    };
    row(
        "the iterate (the report)",
        record.loss,
        record.content,
        record.style,
        record.tv,
    );
    let variants: [(&str, PixelMap); 3] = [
        ("clamped to [0, 1]", |v| v.clamp(0.0, 1.0)),
        ("quantised to 8 bits, not clamped", |v| {
            (v * 255.0).round() / 255.0
        }),
        ("clamped and quantised (as saved)", |v| {
            (v.clamp(0.0, 1.0) * 255.0).round() / 255.0
        }),
    ];
    for (name, map) in variants {
        let mut image: Rgb32FImage = pixels.clone();
        image.pixels_mut().for_each(|p| p.0 = p.0.map(map));
        // The last stage's objective at the result's size: one evaluation of the image.
        let r = evaluate(&transfer, Init::Image(image.into()), &device)?;
        row(name, r.loss, r.content, r.style, r.tv);
    }
    Ok(())
}
