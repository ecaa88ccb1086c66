//! Style transfer from Rust: the library's whole pipeline in a few lines.
//!
//! ```text
//! cargo run --release --example stylize -- [CONTENT] [STYLE] [OUTPUT] [SIZE] [ITERATIONS] [STRENGTH]
//! ```
//!
//! Defaults: the project's own `assets/content.png` and `assets/style.png`, `stylized.png`,
//! 128 px, 100 iterations over the whole coarse-to-fine schedule, style strength 30 (more
//! paint above, more photo below, alike at every size), on the CPU (flex). It uses torchvision's VGG16 weights when
//! they are installed (`impasto weights fetch`, or `IMPASTO_WEIGHTS`); otherwise it says
//! so and runs with **random weights**, which shows the machinery, not real style transfer.

use std::error::Error;

use burn::tensor::Device;
use impasto::optim::Control;
use impasto::prelude::*;
use impasto::transfer::{DEFAULT_STYLE_STRENGTH, Progress};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let content = args.next().unwrap_or_else(|| "assets/content.png".into());
    let style = args.next().unwrap_or_else(|| "assets/style.png".into());
    let output = args.next().unwrap_or_else(|| "stylized.png".into());
    let size: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(128);
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let strength: f64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(DEFAULT_STYLE_STRENGTH);

    let weights = match WeightsSource::Default.resolve() {
        Ok(_) => WeightsSource::Default,
        Err(why) => {
            eprintln!("{why}");
            eprintln!("running with RANDOM weights: an untrained network, a demo only");
            WeightsSource::Random
        }
    };
    let transfer = StyleTransfer::new(content.as_str(), vec![style.as_str().into()])
        .with_weights(weights)
        .with_size(size)
        .with_style_strength(strength)
        .with_iterations(iterations);

    // Every setting resolved once, before any work: the stages and the loss weights.
    let plan = transfer.plan()?;
    for stage in &plan.stages {
        println!("{} iterations at {} px", stage.iterations, stage.size);
    }
    println!("loss weights: {:?}", plan.loss_weights);

    // Print like the paper's logs, every 10 iterations.
    let mut observer = |p: &Progress| {
        let r = p.record();
        if r.iteration % 10 == 0 {
            println!("iter = {} loss = {:.4e}", r.iteration, r.loss);
        }
        Control::Continue
    };
    let result = transfer.run(&Device::flex(), &mut observer)?;
    save_image(&result.image, &output)?;
    let report = &result.report;
    println!(
        "{}: {} iterations, {} evaluations in {:.1} s; wrote {output}",
        report.termination_message,
        report.records.len() - 1,
        report.evaluations,
        report.duration_ms / 1e3
    );
    Ok(())
}
