//! One evaluation of the default loss, whole and tile by tile, at the same point: how far
//! the tiled one is from the whole (loss and each term, relative; the pixel gradient,
//! relative in the max norm), and each one's time.
//!
//! ```text
//! cargo run --release --example tiled_exactness -- WEIGHTS PHOTO PAINTING SIZE CORE [whole|tiled|both]
//! ```
//!
//! The loss is a default run's at `SIZE` (relu4_2, relu1_1…relu5_1, the balance's α, β,
//! γ); the point is the photo mixed with seeded noise (4:1), so that every term and the
//! gradient are far from zero. `CORE` is the tiles' core in pixels (a multiple of 16);
//! the halo is the exact one (`impasto::loss::tiles::halo`, 64 px for relu5_1). With
//! `whole` or `tiled` only that evaluation runs, so that `/usr/bin/time -v` measures its
//! peak memory alone. `WEIGHTS` is a trained VGG16 file (docs/weights.md); random
//! weights (`random`) measure the same exactness on an untrained network.

use std::error::Error;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use impasto::image::{image_to_tensor, load_image, resize_longest_side};
use impasto::loss::{
    ContentTargets, LossBreakdown, LossWeights, StyleTargets, TotalLoss, TotalLossConfig,
    term_scales,
};
use impasto::vgg::{VggConfig, VggLayer, portable_rng};
use impasto::{StyleTransfer, WeightsSource};

fn main() -> Result<(), Box<dyn Error>> {
    impasto::reuse_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [weights, photo, painting, size, core, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: tiled_exactness WEIGHTS PHOTO PAINTING SIZE CORE [whole|tiled|both]".into(),
        );
    };
    let which = rest.first().map_or("both", String::as_str);
    let (size, core): (u32, usize) = (size.parse()?, core.parse()?);
    let source = match weights.as_str() {
        "random" => WeightsSource::Random,
        path => WeightsSource::Path(path.into()),
    };
    let choice = StyleTransfer::new(photo.as_str(), vec![painting.as_str().into()])
        .with_weights(source.clone())
        .network()?;
    let device = Device::flex();
    let config = VggConfig::new()
        .with_architecture(choice.architecture)
        .with_input(choice.input)
        .with_last_layer(Some(VggLayer::Relu5_1));
    let vgg = source.load(&config, &device.clone().autodiff())?;

    let photo = image_to_tensor(&resize_longest_side(load_image(photo)?, size), &device);
    let painting = image_to_tensor(&resize_longest_side(load_image(painting)?, size), &device);
    let [_, _, height, width] = photo.dims();
    let layers = TotalLossConfig::new();
    let content =
        ContentTargets::new_tiled(&vgg, photo.clone(), &layers.content_layers, Some(core))?;
    let style =
        StyleTargets::new_tiled(&vgg, &[(painting, 1.0)], &layers.style_layers, Some(core))?;
    let weights = layers.resolved_style_layer_weights();
    let scales = term_scales(
        &layers.content_layers,
        &layers.style_layers,
        &weights,
        &content,
        &style,
        &photo,
    )?;
    let w = LossWeights::BALANCED.resolve(Some(&scales))?;
    let config = layers.with_term_weights(w.content, w.style, w.tv);
    let loss = TotalLoss::new(config, Some(content), Some(style))?;

    let noise = portable_rng::uniform(portable_rng::stream(7, 0), 3 * height * width, 0.0, 1.0);
    let noise = Tensor::<4>::from_data(TensorData::new(noise, [1, 3, height, width]), &device);
    let point = photo.mul_scalar(0.8) + noise.mul_scalar(0.2);
    println!("{width}x{height}, cores of {core} px");

    let whole = (which != "tiled").then(|| -> Result<_, Box<dyn Error>> {
        let began = Instant::now();
        let x = point.clone().autodiff().require_grad();
        let evaluation = loss.evaluate(&vgg, x.clone())?;
        let gradient = x.grad(&evaluation.loss().backward()).ok_or("no gradient")?;
        let gradient = gradient
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| format!("{e:?}"))?;
        let terms = evaluation.breakdown()?;
        println!("whole: {:.2} s", began.elapsed().as_secs_f64());
        Ok((terms, gradient))
    });
    let tiled = (which != "whole").then(|| -> Result<_, Box<dyn Error>> {
        let grid = loss.tile_grid(&vgg, [height, width], core)?;
        let began = Instant::now();
        let (evaluation, gradient) = loss.evaluate_tiled(&vgg, point.clone(), &grid)?;
        let gradient = gradient
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| format!("{e:?}"))?;
        let terms = evaluation.breakdown()?;
        println!(
            "tiled: {:.2} s, {} tiles, halo {} px, {:.2}x the pixels",
            began.elapsed().as_secs_f64(),
            grid.tiles().len(),
            grid.halo(),
            grid.input_pixels() as f64 / (height * width) as f64
        );
        Ok((terms, gradient))
    });
    if let (Some(whole), Some(tiled)) = (whole, tiled) {
        let ((expected, g_whole), (got, g_tiled)) = (whole?, tiled?);
        compare(&expected, &got);
        let scale = g_whole.iter().fold(0f32, |m, g| m.max(g.abs()));
        let error = g_whole
            .iter()
            .zip(&g_tiled)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        println!(
            "gradient: max |tiled - whole| / max |whole| = {:.2e}",
            error / scale
        );
    }
    Ok(())
}

fn compare(expected: &LossBreakdown, got: &LossBreakdown) {
    let relative = |a: f64, b: f64| ((a - b) / b).abs();
    println!(
        "loss {:.6e}: relative error {:.2e}",
        expected.total,
        relative(got.total, expected.total)
    );
    for (name, a, b) in [
        ("content", got.content, expected.content),
        ("style", got.style, expected.style),
        ("tv", got.tv, expected.tv),
    ] {
        println!("  {name}: {:.2e}", relative(a, b));
    }
    for ((layer, a), (_, b)) in got.style_per_layer.iter().zip(&expected.style_per_layer) {
        println!("  {layer}: {:.2e}", relative(*a, *b));
    }
}
