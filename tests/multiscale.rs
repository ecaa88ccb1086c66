//! Multi-scale (coarse-to-fine) runs with random weights at 24–64 px: the stages' sizes,
//! the warm start carried from stage to stage, the report's stages, and bad schedules.

use burn::tensor::Device;
use image::Rgb32FImage;
use impasto::optim::Control;
use impasto::report::RunReport;
use impasto::transfer::{Init, LossWeights, Progress, Stage};
use impasto::{ImpastoError, StyleTransfer, WeightsSource};

mod common;

/// A 64-px "painting" of stripes.
fn painting() -> Rgb32FImage {
    common::stripes()
}

/// From noise, so that a stage's start can be told from the photo.
fn transfer() -> StyleTransfer {
    StyleTransfer::new(common::photo(96, 72), vec![painting().into()])
        .with_weights(WeightsSource::Random)
        .with_init(Init::Noise)
}

fn run(transfer: &StyleTransfer) -> RunReport {
    transfer
        .run(&Device::flex(), &mut ())
        .expect("the run succeeds")
        .report
}

#[test]
fn each_stage_runs_at_its_size_and_the_report_says_so() {
    let stages = vec![Stage::new(24, 3), Stage::new(40, 3), Stage::new(64, 2)];
    let transfer = transfer().with_stages(stages.clone());
    assert_eq!(transfer.stages(), stages);
    let mut seen = Vec::new();
    let mut observer = |p: &Progress<'_>| {
        seen.push((p.record().stage, p.record().iteration, p.max_iterations()));
        if p.record().iteration == 8 {
            // The saved image is the optimizer's float image, clamped and quantised.
            let (float, saved) = (p.pixels(), p.image());
            assert_eq!(float.dimensions(), (64, 48));
            for (f, s) in float.pixels().zip(saved.pixels()) {
                assert_eq!(s.0, f.0.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
            }
        }
        Control::Continue
    };
    let output = transfer.run(&Device::flex(), &mut observer).unwrap();
    assert_eq!(output.image.dimensions(), (64, 48));
    let report = output.report;
    let sizes: Vec<_> = report
        .config
        .stages
        .iter()
        .map(|s| (s.size, s.image_size))
        .collect();
    assert_eq!(sizes, [(24, [24, 18]), (40, [40, 30]), (64, [64, 48])]);
    assert_eq!(report.config.size, 64);
    assert_eq!(report.config.image_size, [64, 48]);
    // One record for each stage's start and one per iteration; numbering runs on.
    assert_eq!(report.records.len(), 3 + 3 + 2 + 3, "{:?}", report.records);
    let first: Vec<_> = report
        .config
        .stages
        .iter()
        .map(|s| s.first_record)
        .collect();
    assert_eq!(first, [0, 4, 8]);
    let stage_of: Vec<_> = report.records.iter().map(|r| r.stage).collect();
    assert_eq!(stage_of, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    let iteration: Vec<_> = report.records.iter().map(|r| r.iteration).collect();
    assert_eq!(iteration, [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8]);
    assert!(
        report
            .records
            .windows(2)
            .all(|w| w[1].evaluations > w[0].evaluations)
    );
    assert_eq!(
        report.evaluations,
        report.records.last().unwrap().evaluations
    );
    // The best is taken from the last stage only.
    assert!(report.best_iteration >= 6, "{}", report.best_iteration);
    // The observer saw every record, with the run's total as its limit.
    assert_eq!(seen.len(), report.records.len());
    assert!(seen.iter().all(|&(_, _, max)| max == 8));
    // The balance sets β per stage, from each stage's scales.
    let last = report.config.stages.last().unwrap();
    assert_eq!(report.config.loss_weights, LossWeights::BALANCED);
    assert_ne!(report.config.stages[0].weights.style, last.weights.style);
    let scales = last.scales.expect("a balanced stage records its scales");
    let want = 30.0 * scales.content / scales.style;
    assert!((last.weights.style - want).abs() <= 1e-12 * want);
    // The report survives JSON.
    assert_eq!(RunReport::from_json(&report.to_json()).unwrap(), report);
}

#[test]
fn a_stage_starts_from_the_previous_result_far_below_a_fresh_start() {
    // The last stage's first loss against the loss of a fresh (noise) start at its size.
    let fresh = run(&transfer().with_size(48).with_iterations(0)).records[0].loss;
    let staged = run(&transfer().with_stages(vec![Stage::new(24, 25), Stage::new(48, 1)]));
    let first = staged.config.stages[1].first_record;
    let warm = staged.records[first].loss;
    assert!(
        warm < 0.3 * fresh,
        "the upsampled start ({warm:.4e}) is not far below noise ({fresh:.4e})"
    );
    // And it is the coarse result, not the photo: a content start is different again.
    let content = run(&transfer()
        .with_size(48)
        .with_iterations(0)
        .with_init(Init::Content))
    .records[0]
        .loss;
    assert!((warm - content).abs() > 1e-3 * content, "{warm} {content}");
}

#[test]
fn one_stage_is_the_single_scale_run() {
    let single = run(&transfer().with_size(32).with_iterations(4));
    let staged = run(&transfer().with_stages(vec![Stage::new(32, 4)]));
    let losses = |r: &RunReport| r.records.iter().map(|r| r.loss).collect::<Vec<_>>();
    assert_eq!(losses(&single), losses(&staged));
    assert_eq!(single.config.stages.len(), 1);
}

#[test]
fn bad_schedules_are_refused_before_any_work() {
    let refused = |stages: Vec<Stage>, expected: &str| match transfer()
        .with_stages(stages.clone())
        .validate()
    {
        Err(ImpastoError::InvalidSetting { setting, reason }) => {
            let text = format!("{setting}: {reason}");
            assert!(text.contains(expected), "{stages:?}: {text}");
        }
        other => panic!("{stages:?}: {other:?}"),
    };
    refused(
        vec![Stage::new(64, 5), Stage::new(32, 5)],
        "scales: the sizes must grow from scale to scale; 32 follows 64",
    );
    refused(vec![Stage::new(32, 5), Stage::new(32, 5)], "32 follows 32");
    refused(
        vec![Stage::new(0, 5), Stage::new(32, 5)],
        "scales: 0 is not between",
    );
    refused(
        vec![Stage::new(32, 5), Stage::new(20_000, 5)],
        "size: 20000 is not between 1 and 16384",
    );
    refused(
        vec![Stage::new(32, 0), Stage::new(64, 5)],
        "the scale 32 px has 0 iterations",
    );
    // A last stage of 0 iterations is a single evaluation there, as for one scale.
    assert!(
        transfer()
            .with_stages(vec![Stage::new(32, 2), Stage::new(64, 0)])
            .validate()
            .is_ok()
    );
}
