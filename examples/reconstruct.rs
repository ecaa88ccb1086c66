//! The paper's reconstruction experiments: what one layer keeps of an image's content,
//! and the texture a set of layers' Gram matrices describe.
//!
//! ```text
//! cargo run --release --example reconstruct -- [IMAGE] [SIZE] [ITERATIONS]
//! ```
//!
//! Defaults: `assets/content.png`, 96 px, 200 iterations. Writes
//! `reconstruct-content-<layer>.png` for relu1_1 … relu5_1 and
//! `reconstruct-style-<k>.png` for the first k style layers, k = 1 … 5, then prints each
//! run's loss reduction. Without installed VGG16 weights it runs with **random weights**
//! and says so: the images then show what a random network preserves, not a trained one.

use std::error::Error;

use burn::tensor::Device;
use impasto::image::save_image;
use impasto::vgg::VggLayer;
use impasto::{StyleTransfer, WeightsSource};

/// The first ReLU of each block, the layers the paper reconstructs from.
const LAYERS: [VggLayer; 5] = impasto::loss::DEFAULT_STYLE_LAYERS;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let image = args.next().unwrap_or_else(|| "assets/content.png".into());
    let size: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(96);
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let weights = match WeightsSource::Default.resolve() {
        Ok(_) => WeightsSource::Default,
        Err(_) => {
            eprintln!("no VGG16 weights installed: using RANDOM weights (a demo only)");
            WeightsSource::Random
        }
    };
    let device = Device::flex();

    for layer in LAYERS {
        let run = StyleTransfer::reconstruct_content(image.as_str(), layer)
            .with_weights(weights.clone())
            .with_size(size)
            .with_iterations(iterations)
            .run(&device, &mut ())?;
        let output = format!("reconstruct-content-{layer}.png");
        save_image(&run.image, &output)?;
        let (first, last) = (&run.report.records[0], run.report.records.last().unwrap());
        println!(
            "content from {layer}: L_c {:.3e} -> {:.3e} in {} iterations; wrote {output}",
            first.content, last.content, last.iteration
        );
    }
    for k in 1..=LAYERS.len() {
        let run = StyleTransfer::reconstruct_style(image.as_str(), LAYERS[..k].to_vec())
            .with_weights(weights.clone())
            .with_size(size)
            .with_iterations(iterations)
            .run(&device, &mut ())?;
        let output = format!("reconstruct-style-{k}.png");
        save_image(&run.image, &output)?;
        let (first, last) = (&run.report.records[0], run.report.records.last().unwrap());
        println!(
            "style from relu1_1..{}: L_s {:.3e} -> {:.3e} in {} iterations; wrote {output}",
            LAYERS[k - 1],
            first.style,
            last.style,
            last.iteration
        );
    }
    Ok(())
}
