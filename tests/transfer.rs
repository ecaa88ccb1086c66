//! End-to-end runs of the pipeline on the default CPU backend with random weights, at
//! 32–64 px: the loss falls, the report is complete, the reconstructions work.

use burn::tensor::Device;
use image::{Rgb, Rgb32FImage, RgbImage};
use impasto::optim::{AdamConfig, Control, LbfgsConfig, LineSearch};
use impasto::report::RunReport;
use impasto::transfer::{
    ImageInput, Init, LossWeights, NetworkCache, OptimizerConfig, Progress, Stage,
};
use impasto::vgg::VggLayer;
use impasto::{ImpastoError, StyleTransfer, WeightsSource};

mod common;

use common::photo;

/// A "painting": diagonal stripes in two colours with a finer checker on top.
fn painting(side: u32) -> Rgb32FImage {
    Rgb32FImage::from_fn(side, side, |x, y| {
        let stripe = ((x + y) / 5) % 2 == 0;
        let fine = ((x / 2) + (y / 2)) % 2 == 0;
        match (stripe, fine) {
            (true, true) => Rgb([0.9, 0.75, 0.2]),
            (true, false) => Rgb([0.8, 0.55, 0.1]),
            (false, true) => Rgb([0.1, 0.25, 0.6]),
            (false, false) => Rgb([0.2, 0.35, 0.75]),
        }
    })
}

fn flex() -> Device {
    Device::flex()
}

fn psnr(a: &RgbImage, b: &Rgb32FImage) -> f64 {
    let mut squared = 0.0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for k in 0..3 {
            let q = (q.0[k].clamp(0.0, 1.0) * 255.0).round() as f64;
            squared += (p.0[k] as f64 - q).powi(2);
        }
    }
    let mse = squared / (3 * a.width() * a.height()) as f64;
    10.0 * (255.0f64.powi(2) / mse).log10()
}

#[test]
fn a_transfer_lowers_the_loss_and_reports_every_iteration() {
    let transfer = StyleTransfer::new(photo(48, 32), vec![painting(40).into()])
        .with_weights(WeightsSource::Random)
        .with_size(48)
        .with_init(Init::Noise)
        .with_iterations(12);
    let mut seen = Vec::new();
    let mut observer = |p: &Progress| {
        seen.push(p.record().iteration);
        Control::Continue
    };
    let output = transfer.run(&flex(), &mut observer).unwrap();
    let report = &output.report;
    assert_eq!(output.image.dimensions(), (48, 32));
    assert_eq!(report.config.image_size, [48, 32]);
    assert!(report.config.random_weights);
    // The run's iteration limit replaced the optimizer's: max(⌊1.25 × 12⌋, 12 + 10).
    assert_eq!(report.config.optimizer.max_evaluations, Some(22));
    assert_eq!(report.config.weights, "random");
    assert_eq!(seen, (0..=12).collect::<Vec<_>>(), "{}", report.termination);

    let (first, last) = (&report.records[0], report.records.last().unwrap());
    assert_eq!(
        (first.iteration, first.evaluations, first.step),
        (0, 1, 0.0)
    );
    assert!(
        last.loss < 0.5 * first.loss,
        "{} -> {}",
        first.loss,
        last.loss
    );
    for r in &report.records {
        // The report's terms add up to its total: they were read at the same iterate.
        let c = &report.config;
        let w = &c.stages[r.stage].weights;
        let total = w.content * r.content + w.style * r.style + w.tv * r.tv;
        assert!(
            (total - r.loss).abs() <= 1e-5 * r.loss,
            "{total} vs {}",
            r.loss
        );
        let weighted: f64 = c
            .style_layers
            .iter()
            .zip(&c.style_layer_weights)
            .map(|(layer, w)| w * r.style_per_layer[layer])
            .sum();
        assert!((weighted - r.style).abs() <= 1e-5 * r.style);
        assert!(r.grad_norm > 0.0 && r.content > 0.0 && r.tv > 0.0);
    }
    assert!(report.records.windows(2).all(|w| w[1].loss <= w[0].loss));
    assert!(
        report
            .records
            .windows(2)
            .all(|w| w[1].elapsed_ms >= w[0].elapsed_ms)
    );
    assert_eq!(report.termination, "max_iterations");
    assert!(report.duration_ms >= last.elapsed_ms);
    assert_eq!(report.best_iteration, 12);

    let parsed = RunReport::from_json(&report.to_json()).unwrap();
    assert_eq!(&parsed, report);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let record = &json["records"][0];
    // Exactly the record's fields of docs/cli.md, none null.
    let mut fields: Vec<_> = record.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    let expected = "content elapsed_ms evaluations grad_norm iteration loss stage step style \
                    style_per_layer temporal tv";
    assert_eq!(fields.join(" "), expected);
    assert!(fields.iter().all(|field| !record[field].is_null()));
    assert!(record["style_per_layer"]["relu3_1"].is_f64());
    assert!(json["termination"].is_string() && json["duration_ms"].is_f64());
    assert_eq!(json["config"]["style_layers"][0], "relu1_1");
}

#[test]
fn content_reconstruction_from_relu1_1_gives_back_the_image() {
    let image = photo(32, 32);
    let transfer = StyleTransfer::reconstruct_content(image.clone(), VggLayer::Relu1_1)
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_iterations(300);
    let output = transfer.run(&flex(), &mut ()).unwrap();
    let report = &output.report;
    let db = psnr(&output.image, &image);
    let (first, last) = (&report.records[0], report.records.last().unwrap());
    println!(
        "content reconstruction, relu1_1, 32 px: PSNR {db:.1} dB after {} iterations, \
         {} evaluations ({}); L_c {:.3e} -> {:.3e}",
        last.iteration, report.evaluations, report.termination, first.content, last.content
    );
    assert_eq!(report.config.style_layers.len(), 0);
    assert_eq!(last.style, 0.0);
    assert!(db > 35.0, "PSNR {db:.1} dB");
}

#[test]
fn style_reconstruction_cuts_the_style_loss_by_more_than_90_percent() {
    let layers = impasto::loss::DEFAULT_STYLE_LAYERS.to_vec();
    let transfer = StyleTransfer::reconstruct_style(painting(48), layers)
        .with_weights(WeightsSource::Random)
        .with_size(48)
        .with_iterations(60);
    let output = transfer.run(&flex(), &mut ()).unwrap();
    let records = &output.report.records;
    let (first, last) = (&records[0], records.last().unwrap());
    let cut = 1.0 - last.style / first.style;
    println!(
        "style reconstruction, relu1_1..relu5_1, 48 px: style loss {:.3e} -> {:.3e} \
         ({:.2}% cut) in {} iterations",
        first.style,
        last.style,
        100.0 * cut,
        last.iteration
    );
    assert_eq!(output.report.config.content, None);
    assert_eq!(last.content, 0.0);
    assert!(cut > 0.9, "cut {cut}");
}

#[test]
fn an_observer_stops_the_run_and_the_best_image_is_kept() {
    let transfer = StyleTransfer::new(photo(32, 32), vec![painting(32).into()])
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_iterations(50);
    let mut observer = |p: &Progress| {
        if p.record().iteration == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let output = transfer.run(&flex(), &mut observer).unwrap();
    assert_eq!(output.report.termination, "stopped");
    assert_eq!(output.report.records.len(), 3);
}

#[test]
fn zero_iterations_evaluate_the_initial_image_only() {
    let content = photo(32, 24);
    let transfer = StyleTransfer::new(content.clone(), vec![painting(32).into()])
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_init(Init::Content)
        .with_iterations(0);
    let output = transfer.run(&flex(), &mut ()).unwrap();
    let records = &output.report.records;
    assert_eq!(records.len(), 1);
    // Starting from the content image, the content loss is exactly 0.
    assert_eq!(records[0].content, 0.0);
    assert_eq!(output.report.config.init, "content");
    assert!(psnr(&output.image, &content) > 45.0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let run = |seed| {
        StyleTransfer::new(photo(32, 32), vec![painting(32).into()])
            .with_weights(WeightsSource::Random)
            .with_size(32)
            .with_seed(seed)
            .with_iterations(2)
            .run(&flex(), &mut ())
            .unwrap()
    };
    let (a, b, c) = (run(5), run(5), run(6));
    // Even two iterations are done, first line search included.
    assert_eq!(
        a.report.records.len(),
        3,
        "{}",
        a.report.termination_message
    );
    assert_eq!(a.image, b.image);
    assert_eq!(
        a.report.records,
        b.report
            .records
            .iter()
            .map(|r| {
                // Everything but the clock is reproduced.
                let mut r = r.clone();
                r.elapsed_ms = a.report.records[r.iteration].elapsed_ms;
                r
            })
            .collect::<Vec<_>>()
    );
    assert_ne!(a.image, c.image);
}

#[test]
fn a_network_cache_loads_once_and_changes_nothing() {
    let transfer = |seed, size| {
        StyleTransfer::new(photo(size, size), vec![painting(32).into()])
            .with_weights(WeightsSource::Random)
            .with_size(size)
            .with_seed(seed)
            .with_iterations(2)
    };
    let mut cache = NetworkCache::new();
    let mut cached = |seed, size| {
        transfer(seed, size)
            .run_cached(&flex(), &mut cache, &mut ())
            .unwrap()
    };
    let (a, b, c) = (cached(5, 32), cached(5, 40), cached(6, 32));
    // Another size reuses the network; another seed of random weights is another one.
    assert_eq!(cache.loads(), 2);
    assert_eq!(
        a.image,
        transfer(5, 32).run(&flex(), &mut ()).unwrap().image
    );
    assert_eq!(
        b.image,
        transfer(5, 40).run(&flex(), &mut ()).unwrap().image
    );
    assert_eq!(
        c.image,
        transfer(6, 32).run(&flex(), &mut ()).unwrap().image
    );
}

#[test]
fn blends_scales_optimizers_and_original_colors_run() {
    let adam = AdamConfig::default().with_learning_rate(0.02).unwrap();
    let fixed = LbfgsConfig::default()
        .with_line_search(LineSearch::None { learning_rate: 0.5 })
        .unwrap();
    for optimizer in [OptimizerConfig::Adam(adam), OptimizerConfig::Lbfgs(fixed)] {
        let name = optimizer.name();
        let output = StyleTransfer::new(
            photo(40, 32),
            vec![painting(32).into(), ImageInput::from(photo(20, 20))],
        )
        .with_style_blend(Some(vec![3.0, 1.0]))
        .with_style_scale(0.5)
        .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Relu2_1])
        .with_optimizer(optimizer)
        .with_original_colors(true)
        .with_weights(WeightsSource::Random)
        .with_size(40)
        .with_iterations(4)
        .run(&flex(), &mut ())
        .unwrap();
        let config = &output.report.config;
        assert_eq!(config.optimizer.name, name);
        assert_eq!(config.styles[0].weight, 0.75);
        assert_eq!(config.styles[0].size, [20, 20]);
        assert!(config.original_colors);
        assert_eq!(output.report.records.len(), 5, "{name}");
    }
}

#[test]
fn bad_settings_are_refused_before_any_work() {
    let base = || {
        StyleTransfer::new(photo(8, 8), vec![painting(8).into()])
            .with_weights(WeightsSource::Random)
    };
    let refused = |t: StyleTransfer, setting: &str| match t.run(&flex(), &mut ()) {
        Err(ImpastoError::InvalidSetting { setting: s, .. }) => assert_eq!(s.to_string(), setting),
        other => panic!("{setting}: {:?}", other.map(|o| o.report.termination)),
    };
    refused(base().with_size(0), "size");
    refused(base().with_size(100_000), "size");
    refused(base().with_style_scale(0.0), "style scale");
    refused(base().with_style_scale(f64::NAN), "style scale");
    refused(base().with_style_blend(Some(vec![1.0, 2.0])), "style blend");
    refused(base().with_style_blend(Some(vec![-1.0])), "style blend");
    refused(base().with_style_blend(Some(vec![0.0])), "style blend");
    refused(StyleTransfer::new(photo(8, 8), Vec::new()), "style");
    let negative = LossWeights::Fixed {
        content: 1.0,
        style: -1.0,
        tv: 0.0,
    };
    assert!(matches!(
        base().with_loss_weights(negative).run(&flex(), &mut ()),
        Err(ImpastoError::Loss(_))
    ));
    assert!(matches!(
        base().with_style_strength(f64::NAN).run(&flex(), &mut ()),
        Err(ImpastoError::Loss(_))
    ));
    // Too small for relu5_1 (needs 16 px): the network says so, no panic.
    let tiny = base().with_size(8).run(&flex(), &mut ());
    let message = tiny.unwrap_err().to_string();
    assert!(message.contains("16"), "{message}");
    // A missing image file names the file.
    let missing = StyleTransfer::new("no/such/photo.jpg", vec![painting(8).into()])
        .with_weights(WeightsSource::Random)
        .run(&flex(), &mut ());
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .contains("no/such/photo.jpg")
    );
}

/// A library caller's weights are the run's: fixed ones exactly, a style strength as the
/// balance's ratio at every stage (no rule elsewhere replaces them).
#[test]
fn the_weights_a_caller_sets_are_the_weights_the_run_uses() {
    let base = || {
        StyleTransfer::new(photo(32, 28), vec![painting(24).into()])
            .with_weights(WeightsSource::Random)
            .with_stages(vec![Stage::new(24, 1), Stage::new(32, 1)])
    };
    let fixed = LossWeights::Fixed {
        content: 2.0,
        style: 123.0,
        tv: 7.0,
    };
    let report = base()
        .with_loss_weights(fixed)
        .run(&flex(), &mut ())
        .unwrap()
        .report;
    assert_eq!(report.config.loss_weights, fixed);
    for stage in &report.config.stages {
        assert_eq!(
            (stage.weights.content, stage.weights.style, stage.weights.tv),
            (2.0, 123.0, 7.0)
        );
        assert_eq!(stage.scales, None);
    }

    let report = base()
        .with_style_strength(60.0)
        .run(&flex(), &mut ())
        .unwrap()
        .report;
    assert_eq!(report.config.loss_weights, LossWeights::balanced(60.0));
    for stage in &report.config.stages {
        let s = stage.scales.expect("a balance measures the scales");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert_eq!(stage.weights.content, 1.0);
        assert!(close(stage.weights.style, 60.0 * s.content / s.style));
        assert!(close(stage.weights.tv, 0.5 * s.content / s.tv));
    }
}
