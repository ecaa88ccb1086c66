//! How the default loss balance holds across image sizes: runs transfers of photo ×
//! painting pairs at several sizes and measures, for each result, how much of the photo's
//! structure it keeps and how far it moved towards the painting's style.
//!
//! ```text
//! cargo run --release --example balance -- WEIGHTS [SIZES] [ITERATIONS] [OUT_DIR] [fixed]
//! ```
//!
//! `WEIGHTS` is a trained VGG16 file (see docs/weights.md; with random weights the
//! figures mean nothing); `SIZES` e.g. `256,512,1024` (default); `ITERATIONS` per run
//! (default 200); results go to `OUT_DIR` (default `target/balance`). With `fixed` the
//! runs use the fixed weights α = 1, β = 10⁷, γ = 10³ instead of the balance. The pairs
//! come from `../shared/images/` (skipped with a message where absent).
//!
//! Per run it prints:
//! - `structure`: SSIM of the luminance of result and photo, both averaged down to 64 px
//!   on the longest side (1 = the photo's structure exactly);
//! - `style`: `L_s(result) / L_s(photo)`, the style loss left as a fraction of the photo's
//!   own (0 = the painting's Gram matrices exactly);
//! - the three weighted terms at the end and the wall time.
//!
//! Environment, for the measurements of the default start and length:
//! `BALANCE_PAIRS` (photo stems, e.g. `golden_gate,hoovertowernight`; default all three),
//! `BALANCE_INIT` (`noise`, the default, or `content`), `BALANCE_CHECKPOINTS`
//! (iterations, e.g. `100,200,300`, at which a row is printed as well as at the end), and
//! `BALANCE_COARSE` (stages run before the size, e.g. `256:200,512:100`: a multi-scale
//! run whose last stage is `SIZE` with `ITERATIONS`).
//!
//! docs/benchmarks.md ("Balance across sizes") has the figures this printed.

use std::error::Error;
use std::path::PathBuf;

use burn::tensor::Device;
use impasto::image::save_image;
use impasto::optim::Control;
use impasto::transfer::{Init, LossWeights, Progress, Schedule, Stage};
use impasto::{StyleTransfer, WeightsSource};

#[path = "common/quality.rs"]
mod quality;

#[path = "common/pairs.rs"]
mod pairs;

use pairs::{PAIRS, stem};
use quality::{evaluate, structure, to_rgb8};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let weights = PathBuf::from(
        args.next()
            .ok_or("usage: balance WEIGHTS [SIZES] [ITERATIONS] [OUT_DIR] [fixed]")?,
    );
    let sizes = pairs::sizes(args.next(), "256,512,1024")?;
    let iterations: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/balance".into()));
    let fixed = args.next().as_deref() == Some("fixed");
    let Some(images) = pairs::images() else {
        return Ok(());
    };
    std::fs::create_dir_all(&out)?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let only: Option<Vec<String>> =
        env("BALANCE_PAIRS").map(|v| v.split(',').map(str::to_owned).collect());
    let start: Init = env("BALANCE_INIT")
        .unwrap_or_else(|| "noise".into())
        .parse()?;
    let checkpoints: Vec<usize> = env("BALANCE_CHECKPOINTS")
        .map(|v| v.split(',').map(str::parse).collect::<Result<_, _>>())
        .transpose()?
        .unwrap_or_default();
    let coarse: Vec<Stage> = env("BALANCE_COARSE")
        .map(|v| {
            v.split(',')
                .map(|stage| {
                    let (size, iterations) = stage.split_once(':').ok_or("SIZE:ITERATIONS")?;
                    Ok::<_, Box<dyn Error>>(Stage::new(size.parse()?, iterations.parse()?))
                })
                .collect::<Result<_, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let device = Device::flex();
    println!(
        "| pair | size | structure (SSIM at 64 px) | style left | α·L_c | β·L_s | γ·L_tv | evaluations | time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (photo, painting) in PAIRS {
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|p| p == stem(photo)))
        {
            continue;
        }
        let (photo_path, painting_path) = (images.join(photo), images.join(painting));
        for &size in &sizes {
            let transfer = |iterations: usize, init: Init| {
                let mut t =
                    StyleTransfer::new(photo_path.as_path(), vec![painting_path.as_path().into()])
                        .with_weights(WeightsSource::Path(weights.clone()))
                        .with_schedule(Schedule::single(size, iterations))
                        .with_init(init);
                if fixed {
                    t = t.with_loss_weights(LossWeights::FIXED);
                }
                t
            };
            // The photo's own style loss: one evaluation at the photo.
            let photo_style = evaluate(&transfer(0, Init::Content), Init::Content, &device)?.style;
            // Each checkpoint's iteration, evaluations, seconds, image and three terms.
            let mut kept = Vec::new();
            let mut observer = |p: &Progress<'_>| {
                let r = p.record();
                if r.stage == coarse.len() && checkpoints.contains(&r.iteration) {
                    let terms = [r.content, r.style, r.tv];
                    kept.push((
                        r.iteration,
                        r.evaluations,
                        r.elapsed_ms / 1e3,
                        p.image(),
                        terms,
                    ));
                }
                Control::Continue
            };
            let mut stages = coarse.clone();
            stages.push(Stage::new(size, iterations));
            let result = transfer(iterations, start.clone())
                .with_stages(stages)
                .run(&device, &mut observer)?;
            let report = &result.report;
            let best = report
                .best_record()
                .ok_or("no record of the best iteration")?;
            if kept.last().is_none_or(|k| k.0 != best.iteration) {
                let terms = [best.content, best.style, best.tv];
                let image = result.image.clone();
                // The whole run's time, loading and targets included.
                let seconds = report.duration_ms / 1e3;
                kept.push((best.iteration, best.evaluations, seconds, image, terms));
            }
            let content = impasto::image::load_image(&photo_path)?;
            let content = impasto::image::resize_longest_side(content, size);
            let content = to_rgb8(&content);
            let w = report.config.stages.last().ok_or("no stage")?.weights;
            for (iteration, evaluations, seconds, image, [lc, ls, ltv]) in kept {
                let name = format!(
                    "{}-{}-{size}{}{}.png",
                    stem(photo),
                    stem(painting),
                    if fixed { "-fixed" } else { "" },
                    if iteration == best.iteration {
                        String::new()
                    } else {
                        format!("-it{iteration}")
                    },
                );
                save_image(&image, out.join(&name))?;
                let structure = structure(&content, &image);
                println!(
                    "| {} × {} | {size}{} | {structure:.3} | {:.4} | {:.3e} | {:.3e} | {:.3e} | {evaluations} | {seconds:.0} s |",
                    stem(photo),
                    stem(painting),
                    if iteration == best.iteration {
                        String::new()
                    } else {
                        format!(" (iteration {iteration})")
                    },
                    ls / photo_style,
                    w.content * lc,
                    w.style * ls,
                    w.tv * ltv,
                );
            }
        }
    }
    Ok(())
}
