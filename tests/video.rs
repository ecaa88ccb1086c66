//! Video transfer with random weights on tiny synthetic frames (a procedural image panned
//! by a few pixels per frame): the per-frame records, the warped start, the temporal term
//! in the objective, resuming, and bad inputs.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use image::{Rgb, Rgb32FImage, RgbImage};
use impasto::transfer::{Init, LossWeights, TemporalTerm};
use impasto::video::{FramePattern, FrameSequence, VideoReport};
use impasto::{ImpastoError, StyleTransfer, VideoTransfer, WeightsSource};

/// A smooth, textured scene seen through a window moved `shift` pixels to the right.
fn scene(width: u32, height: u32, shift: f32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 + shift, y as f32);
        let a = 0.5 + 0.3 * (0.35 * u).sin() * (0.25 * v).cos();
        let b = 0.5 + 0.4 * (0.2 * u + 0.3 * v).sin();
        let disc = if (u - 20.0).powi(2) + (v - 12.0).powi(2) < 30.0 {
            1.0
        } else {
            0.0
        };
        let byte = |f: f32| (f.clamp(0.0, 1.0) * 255.0).round() as u8;
        Rgb([
            byte(a),
            byte(b * (1.0 - 0.6 * disc)),
            byte(0.3 + 0.5 * disc),
        ])
    })
}

fn painting() -> RgbImage {
    RgbImage::from_fn(24, 24, |x, y| {
        if (x / 4 + y / 4) % 2 == 0 {
            Rgb([230, 200, 30])
        } else {
            Rgb([20, 50, 150])
        }
    })
}

/// A fresh directory with `in/` (frames numbered from 1, panned 1.5 px apart, sizes as
/// given), `out/` and `style.png`.
fn setup(name: &str, sizes: &[(u32, u32)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("video")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let path = dir.join(format!("in/{:04}.png", i + 1));
        scene(w, h, 1.5 * i as f32).save(path).unwrap();
    }
    painting().save(dir.join("style.png")).unwrap();
    dir
}

fn video(dir: &Path) -> Result<VideoTransfer, ImpastoError> {
    let frames = FrameSequence::from_pattern(&format!("{}/in/%04d.png", dir.display()))?;
    let output = FramePattern::parse(&format!("{}/out/%04d.png", dir.display()))?;
    Ok(
        VideoTransfer::new(frames, output, vec![dir.join("style.png").into()])
            .with_weights(WeightsSource::Random)
            .with_size(32)
            .with_iterations_first(Some(4))
            .with_iterations(2)
            .with_report(Some(dir.join("video.json"))),
    )
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn three_frames_three_records_a_warped_start_and_a_resume() {
    let dir = setup("run", &[(32, 24); 3]);
    let report = video(&dir).unwrap().run(&Device::flex(), &mut ()).unwrap();
    assert_eq!(report.frames.len(), 3);
    assert!(!report.stopped);
    let saved = VideoReport::from_json(&std::fs::read_to_string(dir.join("video.json")).unwrap());
    assert_eq!(
        saved.unwrap(),
        report,
        "the report file is the returned report"
    );
    for (i, record) in report.frames.iter().enumerate() {
        assert_eq!(record.index, i as u64 + 1);
        assert!(!record.skipped);
        let out = dir.join(format!("out/{:04}.png", i + 1));
        assert_eq!(record.output, out.display().to_string());
        assert_eq!(
            image::open(&out).unwrap().into_rgb8().dimensions(),
            (32, 24)
        );
        // The first frame has no temporal term; the later ones do, and the flow of a pan
        // is reliable nearly everywhere (not where the scene comes in at the edge).
        assert_eq!(record.temporal_weight.is_some(), i > 0, "{record:?}");
        if i > 0 {
            let reliable = record.reliable_fraction.unwrap();
            assert!((0.5..1.0).contains(&reliable), "{record:?}");
            assert!(record.temporal.unwrap() >= 0.0);
        }
    }
    assert_eq!(report.frames[0].iterations, 4);
    assert_eq!(report.frames[1].iterations, 2);

    // The warped start is used: frame 2 starts below where a fresh transfer of it starts
    // (the photo), though its loss also holds the temporal term.
    let fresh = StyleTransfer::new(dir.join("in/0002.png"), vec![dir.join("style.png").into()])
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_iterations(0)
        .run(&Device::flex(), &mut ())
        .unwrap();
    let fresh_start = fresh.report.records[0].loss;
    let warped_start = report.frames[1].initial_loss.unwrap();
    assert!(
        warped_start < 0.9 * fresh_start,
        "warped start {warped_start} vs fresh start {fresh_start}"
    );

    // Resume: frame 3 deleted, frames 1 and 2 kept untouched.
    let kept: Vec<_> = (1..=2)
        .map(|i| modified(&dir.join(format!("out/{i:04}.png"))))
        .collect();
    std::fs::remove_file(dir.join("out/0003.png")).unwrap();
    let resumed = video(&dir).unwrap().run(&Device::flex(), &mut ()).unwrap();
    let skipped: Vec<_> = resumed.frames.iter().map(|f| f.skipped).collect();
    assert_eq!(skipped, [true, true, false]);
    assert_eq!(resumed.frames[0].loss, None);
    assert!(resumed.frames[2].loss.is_some());
    assert!(
        resumed.frames[2].temporal_weight.is_some(),
        "frame 3 used frame 2's output"
    );
    for (i, time) in kept.iter().enumerate() {
        let path = dir.join(format!("out/{:04}.png", i + 1));
        assert_eq!(modified(&path), *time, "{} was rewritten", path.display());
    }
    assert!(dir.join("out/0003.png").is_file());
    // Frame 3 read frame 2 back from its file: the same start as in the first run, whose
    // frame 2 result went through the same 8-bit file.
    let (a, b) = (
        report.frames[2].initial_loss.unwrap(),
        resumed.frames[2].initial_loss.unwrap(),
    );
    assert!((a - b).abs() <= 1e-4 * a.abs(), "{a} vs {b}");
}

#[test]
fn the_temporal_term_is_in_the_objective() {
    let frame = Rgb32FImage::from_fn(32, 24, |x, y| {
        let p = scene(32, 24, 0.0).get_pixel(x, y).0;
        Rgb(p.map(|c| f32::from(c) / 255.0))
    });
    // ω: the frame brightened, trusted on the left half only.
    let target = Rgb32FImage::from_fn(32, 24, |x, y| {
        Rgb(frame.get_pixel(x, y).0.map(|c| (c + 0.2).min(1.0)))
    });
    let c: Vec<f32> = (0..32 * 24)
        .map(|i| if i % 32 < 16 { 1.0 } else { 0.0 })
        .collect();
    let expected: f64 = frame
        .enumerate_pixels()
        .map(|(x, y, p)| {
            let w = if x < 16 { 1.0 } else { 0.0 };
            let t = target.get_pixel(x, y).0;
            (0..3)
                .map(|k| w * (f64::from(p.0[k]) - f64::from(t[k])).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / (3.0 * 32.0 * 24.0);
    let lambda = 1e6;
    let transfer = |temporal: Option<TemporalTerm>, iterations| {
        StyleTransfer::new(
            frame.clone(),
            vec![Rgb32FImage::from(painting_f32()).into()],
        )
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_loss_weights(LossWeights::FIXED)
        .with_init(Init::Content)
        .with_iterations(iterations)
        .with_temporal(temporal)
        .run(&Device::flex(), &mut ())
        .unwrap()
        .report
    };
    let term = TemporalTerm::new(target.clone(), c, lambda).unwrap();
    let with = transfer(Some(term.clone()), 0);
    let without = transfer(None, 0);
    let (r, r0) = (&with.records[0], &without.records[0]);
    assert!(
        (r.temporal - expected).abs() < 1e-5 * expected,
        "{} vs {expected}",
        r.temporal
    );
    assert_eq!(r0.temporal, 0.0);
    let added = r.loss - r0.loss;
    assert!(
        (added - lambda * expected).abs() < 1e-3 * lambda * expected,
        "the loss gained {added}, not λ L_t = {}",
        lambda * expected
    );
    assert_eq!(with.config.temporal_weight, Some(lambda));
    // Its gradient is the optimizer's too: with λ large, L-BFGS pulls the image to ω.
    let heavy = TemporalTerm::new(target, term_weights(), 1e9).unwrap();
    let pulled = transfer(Some(heavy), 2);
    let last = pulled.records.last().unwrap().temporal;
    assert!(last < 0.2 * expected, "L_t {expected} -> {last}");
}

fn term_weights() -> Vec<f32> {
    (0..32 * 24)
        .map(|i| if i % 32 < 16 { 1.0 } else { 0.0 })
        .collect()
}

fn painting_f32() -> Rgb32FImage {
    let p = painting();
    Rgb32FImage::from_fn(24, 24, |x, y| {
        Rgb(p.get_pixel(x, y).0.map(|c| f32::from(c) / 255.0))
    })
}

#[test]
fn bad_sequences_are_typed_errors() {
    // Frames of different sizes: found from the headers before any work.
    let sizes = setup("sizes", &[(32, 24), (32, 24), (30, 24)]);
    let dir = sizes.clone();
    match video(&dir).unwrap().run(&Device::flex(), &mut ()) {
        Err(ImpastoError::Video(impasto::error::VideoError::FrameSize {
            path,
            expected,
            actual,
        })) => {
            assert!(path.ends_with("in/0003.png"), "{}", path.display());
            assert_eq!((expected, actual), ((32, 24), (30, 24)));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !dir.join("out/0001.png").exists(),
        "no work before the check"
    );

    // A gap: 0001, 0002, 0004.
    let dir = setup("gap", &[(32, 24); 4]);
    std::fs::remove_file(dir.join("in/0003.png")).unwrap();
    match video(&dir) {
        Err(ImpastoError::Video(impasto::error::VideoError::MissingFrame { missing, next })) => {
            assert!(missing.ends_with("in/0003.png") && next.ends_with("in/0004.png"));
        }
        other => panic!("{other:?}"),
    }
    // No frames; an empty pattern; no placeholder.
    let pattern = format!("{}/out/%04d.png", dir.display());
    assert!(matches!(
        FrameSequence::from_pattern(&pattern),
        Err(ImpastoError::Video(
            impasto::error::VideoError::NoFrames { .. }
        ))
    ));
    let missing_dir = format!("{}/nowhere/%04d.png", dir.display());
    assert!(matches!(
        FrameSequence::from_pattern(&missing_dir),
        Err(ImpastoError::Video(
            impasto::error::VideoError::NoFrames { .. }
        ))
    ));
    for pattern in ["", "in/0001.png"] {
        assert!(matches!(
            FrameSequence::from_pattern(pattern),
            Err(ImpastoError::Video(
                impasto::error::VideoError::FramePattern { .. }
            ))
        ));
    }
    // An output pattern that is not an image, or is the input.
    let dir = sizes;
    let frames = FrameSequence::from_pattern(&format!("{}/in/%04d.png", dir.display())).unwrap();
    for (output, expected) in [
        ("out/%04d.gif", "Image(OutputFormat"),
        ("in/%04d.png", "InvalidSetting"),
    ] {
        let output = FramePattern::parse(&format!("{}/{output}", dir.display())).unwrap();
        let error = VideoTransfer::new(frames.clone(), output, vec![dir.join("style.png").into()])
            .with_weights(WeightsSource::Random)
            .validate()
            .unwrap_err();
        assert!(format!("{error:?}").starts_with(expected), "{error:?}");
    }
}

#[test]
fn an_existing_output_of_another_size_is_an_error() {
    let dir = setup("resize", &[(32, 24); 2]);
    RgbImage::new(16, 12)
        .save(dir.join("out/0001.png"))
        .unwrap();
    match video(&dir).unwrap().run(&Device::flex(), &mut ()) {
        Err(ImpastoError::Video(impasto::error::VideoError::ExistingOutputSize {
            expected,
            actual,
            ..
        })) => {
            assert_eq!((expected, actual), ((32, 24), (16, 12)));
        }
        other => panic!("{other:?}"),
    }
}

/// The pixels of an output frame.
fn pixels(path: &Path) -> RgbImage {
    image::open(path).unwrap().into_rgb8()
}

#[test]
fn a_segment_with_a_lead_in_from_the_start_is_the_sequential_run() {
    let dir = setup("segment", &[(32, 24); 4]);
    let whole = video(&dir).unwrap().run(&Device::flex(), &mut ()).unwrap();
    assert_eq!(whole.frames.len(), 4);

    // Frames 3 and 4 with a lead-in of 2 (frames 1 and 2, stylised but not written): the
    // segment starts exactly where the sequential run did.
    std::fs::create_dir_all(dir.join("seg")).unwrap();
    let output = FramePattern::parse(&format!("{}/seg/%04d.png", dir.display())).unwrap();
    let segment = |lead_in: usize| {
        let frames =
            FrameSequence::from_pattern(&format!("{}/in/%04d.png", dir.display())).unwrap();
        VideoTransfer::new(frames, output.clone(), vec![dir.join("style.png").into()])
            .with_weights(WeightsSource::Random)
            .with_size(32)
            .with_iterations_first(Some(4))
            .with_iterations(2)
            .with_range(3, 4)
            .with_lead_in(lead_in)
    };
    let report = segment(2).run(&Device::flex(), &mut ()).unwrap();
    let indices: Vec<_> = report.frames.iter().map(|f| f.index).collect();
    assert_eq!(indices, [3, 4], "only the range is recorded");
    assert_eq!(
        (report.config.first_index, report.config.frame_count),
        (3, 2)
    );
    let mut written: Vec<_> = std::fs::read_dir(dir.join("seg"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["0003.png", "0004.png"],
        "lead-in frames are not written"
    );
    assert!(
        report.frames[0].temporal_weight.is_some(),
        "frame 3 starts warped"
    );
    for i in [3, 4] {
        let name = format!("{i:04}.png");
        assert_eq!(
            pixels(&dir.join("seg").join(&name)),
            pixels(&dir.join("out").join(&name)),
            "frame {i} differs from the sequential run's"
        );
    }

    // A resumed segment whose first frame exists needs no lead-in: frame 3 is skipped
    // and read back, frame 4 computed from it.
    std::fs::remove_file(dir.join("seg/0004.png")).unwrap();
    let resumed = segment(2).run(&Device::flex(), &mut ()).unwrap();
    let skipped: Vec<_> = resumed.frames.iter().map(|f| f.skipped).collect();
    assert_eq!(skipped, [true, false]);
    assert_eq!(
        pixels(&dir.join("seg/0004.png")),
        pixels(&dir.join("out/0004.png"))
    );

    // Without a lead-in the segment's first frame is a first frame: no temporal term.
    for name in ["0003.png", "0004.png"] {
        std::fs::remove_file(dir.join("seg").join(name)).unwrap();
    }
    let cold = segment(0).run(&Device::flex(), &mut ()).unwrap();
    assert_eq!(cold.frames[0].temporal_weight, None);
    assert_eq!(cold.frames[0].iterations, 4);
}

#[test]
fn a_range_outside_the_sequence_is_a_typed_error() {
    let dir = setup("bad-range", &[(32, 24); 3]);
    for (first, last) in [(0, 2), (2, 4), (3, 2)] {
        let error = video(&dir)
            .unwrap()
            .with_range(first, last)
            .validate()
            .unwrap_err();
        assert!(
            matches!(
                error,
                ImpastoError::InvalidSetting {
                    setting: impasto::error::Setting::FrameRange,
                    ..
                }
            ),
            "{first}..={last}: {error:?}"
        );
    }
    // A lead-in longer than what precedes the range starts at the sequence's start.
    let report = video(&dir)
        .unwrap()
        .with_report(None)
        .with_range(2, 2)
        .with_lead_in(5)
        .run(&Device::flex(), &mut ())
        .unwrap();
    assert_eq!(report.frames.len(), 1);
    assert!(report.frames[0].temporal_weight.is_some());
}

#[test]
fn a_mask_per_sequence_paints_every_frame_and_automatic_regions_are_refused() {
    let dir = setup("mask", &[(32, 24); 2]);
    let mask = dir.join("left.png");
    image::GrayImage::from_fn(16, 12, |x, _| image::Luma([if x < 8 { 255 } else { 0 }]))
        .save(&mask)
        .unwrap();
    let report = video(&dir)
        .unwrap()
        .with_transfer(|t| t.with_style_masks(vec![mask.clone().into()]))
        .run(&Device::flex(), &mut ())
        .unwrap();
    assert_eq!(report.frames.len(), 2);
    assert!(report.frames.iter().all(|f| !f.skipped && f.loss.is_some()));
    let error = video(&dir)
        .unwrap()
        .with_transfer(|t| t.with_regions(2))
        .validate()
        .unwrap_err();
    assert!(
        matches!(
            &error,
            ImpastoError::InvalidSetting {
                setting: impasto::error::Setting::Regions,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn frames_over_the_budget_are_tiled_and_the_report_says_how() {
    // Tiles of 32 px force what a frame larger than the budget gets (issue 35): every
    // frame tiled, its temporal term kept, and the report recording the budget, each
    // frame's tiles and the peak memory.
    let dir = setup("tiled", &[(64, 48); 2]);
    let report = video(&dir)
        .unwrap()
        .with_size(64)
        .with_transfer(|t| t.with_max_memory(8 << 30).with_tile_core(32))
        .run(&Device::flex(), &mut ())
        .unwrap();
    assert_eq!(report.config.max_memory_bytes, Some(8 << 30));
    for record in &report.frames {
        let tiles = record.memory.as_ref().and_then(|m| m.tiles.as_ref());
        assert_eq!(
            tiles.map(|t| (t.core, t.count)),
            Some((32, 4)),
            "{record:?}"
        );
        if cfg!(target_os = "linux") {
            assert!(record.peak_memory_bytes.unwrap() > 10 << 20, "{record:?}");
        }
    }
    assert!(report.frames[1].temporal.unwrap() > 0.0);
    let saved = VideoReport::from_json(&std::fs::read_to_string(dir.join("video.json")).unwrap());
    assert_eq!(
        saved.unwrap(),
        report,
        "the report file is the returned report"
    );
}
