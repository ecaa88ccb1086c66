//! The `impasto` command end to end: random weights on the flex CPU backend, tiny images.

mod common;

use common::{FAST, assert_success, files, images, impasto, scratch, stderr, stdout};
use serde_json::Value;
use std::path::Path;

/// The fields the contract (docs/cli.md) requires of every record.
const RECORD_FIELDS: [&str; 12] = [
    "stage",
    "iteration",
    "evaluations",
    "loss",
    "content",
    "style",
    "style_per_layer",
    "tv",
    "temporal",
    "grad_norm",
    "step",
    "elapsed_ms",
];

fn read_report(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the report exists");
    serde_json::from_str(&text).expect("the report is JSON")
}

#[test]
fn transfer_writes_the_image_report_plot_and_intermediates() {
    let dir = scratch("transfer");
    let (content, style) = images(&dir);
    let (out, report, plot) = (
        dir.join("out.png"),
        dir.join("run.json"),
        dir.join("loss.png"),
    );
    let mut args = common::fast_transfer(
        &content,
        &style,
        &out,
        &[&"--report", &report, &"--plot", &plot],
    );
    args.extend(
        [
            "--size",
            "40",
            "--iterations",
            "6",
            "--save-every",
            "2",
            "--print-every",
            "2",
        ]
        .map(Into::into),
    );
    let output = impasto(&args);
    assert_success(&output);
    let err = stderr(&output);

    // Plain progress lines (stderr is a pipe), the random-weights warning, the summary.
    for line in ["iter = 0 loss = ", "iter = 2 loss = ", "iter = 4 loss = "] {
        assert!(err.contains(line), "{line:?} missing from:\n{err}");
    }
    assert!(err.contains("untrained"), "{err}");
    assert!(err.contains("done: ") && err.contains("wrote"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let image = image::open(&out).expect("the output is an image");
    assert_eq!(image.width().max(image.height()), 40);

    let json = read_report(&report);
    for field in ["config", "records", "termination", "duration_ms"] {
        assert!(json.get(field).is_some(), "report lacks {field}: {json}");
    }
    let config = &json["config"];
    for field in ["loss_weights", "stages", "size", "weights"] {
        assert!(
            config.get(field).is_some(),
            "config lacks {field}: {config}"
        );
    }
    assert_eq!(config["weights"], "random");
    // By default the pixels are minimised within [0, 1].
    assert_eq!(config["bounds"], "box");
    assert_eq!(config["architecture"], "vgg16");
    assert_eq!(config["input_convention"], "torchvision");
    assert_eq!(config["input_convention_from"], "random weights");
    // By default a balance sets β and γ from the scales it measured, at each stage.
    let balance = &config["loss_weights"];
    assert_eq!(balance["kind"], "balanced", "{config}");
    let stage = &config["stages"][0];
    let scale = |term: &str| stage["scales"][term].as_f64().unwrap();
    let weight = |term: &str| stage["weights"][term].as_f64().unwrap();
    let ratio = weight("style") * scale("style") / (weight("content") * scale("content"));
    assert!(
        (ratio / balance["style"].as_f64().unwrap() - 1.0).abs() < 1e-9,
        "{config}"
    );
    let records = json["records"].as_array().expect("records is a list");
    assert!(records.len() >= 2, "{records:?}");
    assert_eq!(records[0]["iteration"], 0);
    for record in records {
        for field in RECORD_FIELDS {
            assert!(
                record.get(field).is_some(),
                "record lacks {field}: {record}"
            );
        }
    }
    let first = records[0]["loss"].as_f64().unwrap();
    let last = records.last().unwrap()["loss"].as_f64().unwrap();
    assert!(last < first, "the loss did not fall: {first} -> {last}");

    let png = std::fs::read(&plot).expect("the plot exists");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the plot is not a PNG"
    );
    assert_eq!(image::load_from_memory(&png).unwrap().width(), 900);

    let names = files(&dir);
    let last_iteration = records.last().unwrap()["iteration"].as_u64().unwrap();
    for i in (2..=last_iteration).step_by(2) {
        let name = format!("out-{i:04}.png");
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");
}

#[test]
fn scales_run_coarse_to_fine_and_name_intermediates_by_scale() {
    let dir = scratch("scales");
    let (content, style) = images(&dir);
    let (out, report, plot) = (
        dir.join("out.png"),
        dir.join("run.json"),
        dir.join("loss.png"),
    );
    let extra: [&dyn AsRef<std::ffi::OsStr>; 12] = [
        &"--report",
        &report,
        &"--plot",
        &plot,
        &"--scales",
        &"24,40",
        &"--iterations",
        &"4,3",
        &"--save-every",
        &"2",
        &"--print-every",
        &"2",
    ];
    let output = impasto(common::fast_transfer(&content, &style, &out, &extra));
    assert_success(&output);
    let err = stderr(&output);
    assert!(err.contains("scales 24 → 40 px, 4 + 3 iterations"), "{err}");
    assert!(err.contains("24 px  iter = 2 loss = "), "{err}");
    assert!(err.contains("40 px  iter = 4 loss = "), "{err}");

    let image = image::open(&out).expect("the output is an image");
    assert_eq!(image.width().max(image.height()), 40);
    let json = read_report(&report);
    let stages = json["config"]["stages"].as_array().expect("stages");
    let sizes: Vec<_> = stages.iter().map(|s| s["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [24, 40]);
    let records = json["records"].as_array().unwrap();
    let second = stages[1]["first_record"].as_u64().unwrap() as usize;
    assert_eq!(records[second]["stage"], 1);
    assert_eq!(records[second - 1]["stage"], 0);
    assert_eq!(
        records[second]["iteration"],
        records[second - 1]["iteration"]
    );
    assert_eq!(records.last().unwrap()["iteration"], 7);

    let names = files(&dir);
    for name in [
        "out-24px-0002.png",
        "out-24px-0004.png",
        "out-40px-0006.png",
    ] {
        assert!(
            names.contains(&name.to_string()),
            "{name} missing: {names:?}"
        );
    }
    assert!(image::open(&plot).is_ok());
}

/// A 32-px transfer in a scratch directory `name` writing `out.jpg` and `run.json`, with
/// `extra` options; asserts it succeeds.
fn small_transfer(
    name: &str,
    extra: &[&dyn AsRef<std::ffi::OsStr>],
) -> (std::process::Output, std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    let (content, style) = images(&dir);
    let (out, report) = (dir.join("out.jpg"), dir.join("run.json"));
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"--report", &report, &"--size", &"32"];
    all.extend_from_slice(extra);
    let output = impasto(common::fast_transfer(&content, &style, &out, &all));
    assert_success(&output);
    (output, out, report)
}

#[test]
fn plan_prints_each_scale_and_writes_nothing() {
    let dir = scratch("plan");
    let (content, style) = images(&dir);
    let before = files(&dir);
    // As the user types it: no --output, since a plan writes nothing.
    let mut arguments = common::fast_transfer(
        &content,
        &style,
        Path::new("unused.png"),
        &[
            &"--size",
            &"64",
            &"--scales",
            &"32,64",
            &"--plan",
            &"--max-memory",
            &"2G",
        ],
    );
    let at = arguments.iter().position(|a| a == "--output").unwrap();
    arguments.drain(at..at + 2);
    let output = impasto(arguments);
    assert_success(&output);
    let text = stdout(&output);
    for expected in [
        "memory budget: 2.0 GiB (--max-memory)",
        "calibrated on this machine (flex)",
        "64x48",
        "whole",
        "predicted: peak memory",
        "nothing was run or written",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert_eq!(files(&dir), before, "--plan wrote a file");
}

#[test]
fn a_run_without_output_is_refused_unless_it_only_plans() {
    let dir = scratch("no-output");
    let (content, style) = images(&dir);
    let mut arguments = common::fast_transfer(&content, &style, Path::new("x.png"), &[]);
    let at = arguments.iter().position(|a| a == "--output").unwrap();
    arguments.drain(at..at + 2);
    let output = impasto(arguments);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--output"), "{}", stderr(&output));
}

#[test]
fn the_report_records_the_budget_the_plan_and_the_measured_peak() {
    // What the report records of memory: the budget, each stage's plan and the measured
    // peak (a tiled run's report is the library's tests', tests/tiled_transfer.rs).
    let (_, _, report) = small_transfer("budget", &[&"--iterations", &"2", &"--max-memory", &"3G"]);
    let json = read_report(&report);
    assert_eq!(json["config"]["max_memory_bytes"], 3u64 << 30);
    let stage = &json["config"]["stages"][0]["memory"];
    assert!(stage["predicted_peak_bytes"].as_u64().unwrap() > 0);
    assert_eq!(stage["history"], 10);
    assert!(stage.get("tiles").is_none(), "a 32-px run fits whole");
    if cfg!(target_os = "linux") {
        assert!(json["peak_memory_bytes"].as_u64().unwrap() > 10 << 20);
    }
}

#[test]
fn zero_iterations_write_a_report_with_record_0_only() {
    let (output, out, report) = small_transfer("zero", &[&"--iterations", &"0"]);
    assert!(stderr(&output).contains("iter = 0 loss = "));
    assert!(image::open(&out).is_ok());
    let json = read_report(&report);
    let records = json["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["iteration"], 0);
}

#[test]
fn bounds_none_runs_unconstrained_and_says_so_in_the_report() {
    let (_, _, report) = small_transfer("bounds", &[&"--iterations", &"2", &"--bounds", &"none"]);
    assert_eq!(read_report(&report)["config"]["bounds"], "none");
}

#[test]
fn quiet_prints_nothing() {
    let dir = scratch("quiet");
    let (content, style) = images(&dir);
    let out = dir.join("out.png");
    let extra: [&dyn AsRef<std::ffi::OsStr>; 5] =
        [&"--quiet", &"--size", &"32", &"--iterations", &"2"];
    let args = common::fast_transfer(&content, &style, &out, &extra);
    let output = impasto(&args);
    assert_success(&output);
    assert_eq!(stderr(&output), "");
    assert_eq!(stdout(&output), "");
    assert!(out.is_file());
}

#[test]
fn reconstruct_content_and_style_run() {
    let dir = scratch("reconstruct");
    let (content, style) = images(&dir);
    let (a, b) = (dir.join("content.png"), dir.join("style.png"));
    let report = dir.join("style.json");
    let mut args = common::args(&[&"reconstruct", &"content", &"--image", &content, &"-o", &a]);
    args.extend(["--layer", "relu2_2", "--size", "32", "--iterations", "4"].map(Into::into));
    args.extend(FAST.iter().map(Into::into));
    assert_success(&impasto(&args));
    assert!(image::open(&a).is_ok());

    let mut args = common::args(&[&"reconstruct", &"style", &"--image", &style, &"-o", &b]);
    args.extend(common::args(&[&"--report", &report]));
    args.extend(
        [
            "--layers",
            "relu1_1,relu2_1",
            "--size",
            "32",
            "--iterations",
            "4",
        ]
        .map(Into::into),
    );
    args.extend(FAST.iter().map(Into::into));
    assert_success(&impasto(&args));
    assert!(image::open(&b).is_ok());
    let json = read_report(&report);
    assert_eq!(json["config"]["task"], "reconstruct_style");
    assert_eq!(
        json["config"]["style_layers"],
        serde_json::json!(["relu1_1", "relu2_1"])
    );
}

#[test]
fn help_explains_the_program_and_its_options() {
    let output = impasto(["--help"]);
    assert_success(&output);
    let help = stdout(&output);
    assert!(help.contains("style transfer"), "{help}");
    assert!(help.contains("impasto transfer --content"), "{help}");
    let output = impasto(["transfer", "--help"]);
    assert_success(&output);
    let help = stdout(&output);
    for option in [
        "--content",
        "--style-blend",
        "--tv-weight",
        "--backend",
        "--save-every",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(help.contains("[default: 512]"), "{help}");
}

#[test]
fn weights_path_says_where_and_whether() {
    let dir = scratch("weights-path");
    let file = dir.join("vgg16.pth");
    let output = common_weights(&["weights", "path"], &file);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.starts_with(&file.display().to_string()), "{text}");
    assert!(
        text.contains("missing") && text.contains("impasto weights fetch"),
        "{text}"
    );
    std::fs::write(&file, b"not really weights").unwrap();
    let text = stdout(&common_weights(&["weights", "path"], &file));
    assert!(text.contains("present"), "{text}");
}

/// Runs the binary with `IMPASTO_WEIGHTS` set to `file`.
fn common_weights(args: &[&str], file: &std::path::Path) -> std::process::Output {
    std::process::Command::new(common::BIN)
        .args(args)
        .env("IMPASTO_WEIGHTS", file)
        .output()
        .expect("run impasto")
}

#[test]
fn a_plot_without_a_font_is_drawn_without_text_and_says_so() {
    let dir = scratch("no-font");
    let (content, style) = images(&dir);
    let (out, plot) = (dir.join("out.png"), dir.join("loss.png"));
    let output = std::process::Command::new(common::BIN)
        .args(["transfer", "--content"])
        .arg(&content)
        .arg("--style")
        .arg(&style)
        .arg("-o")
        .arg(&out)
        .arg("--plot")
        .arg(&plot)
        .args(FAST)
        .args(["--size", "32", "--iterations", "2"])
        .env("IMPASTO_PLOT_FONT", dir.join("no-such-font.ttf"))
        .output()
        .expect("run impasto");
    assert_success(&output);
    let err = stderr(&output);
    assert!(err.contains("the loss plot has no text"), "{err}");
    assert!(image::open(&plot).is_ok(), "{err}");
}

#[test]
fn explicit_weights_are_used_as_given_and_a_stated_network_is_reported() {
    let (_, _, report) = small_transfer(
        "explicit",
        &[
            &"--style-weight",
            &"1e5",
            &"--architecture",
            &"vgg19",
            &"--preprocess",
            &"caffe",
            &"--iterations",
            &"1",
        ],
    );
    let config = &read_report(&report)["config"];
    let fixed = serde_json::json!({"kind": "fixed", "content": 1.0, "style": 1e5, "tv": 1e3});
    assert_eq!(config["loss_weights"], fixed);
    assert_eq!(config["stages"][0]["weights"]["style"], 1e5);
    assert!(config["stages"][0].get("scales").is_none(), "{config}");
    assert_eq!(config["architecture"], "vgg19");
    assert_eq!(config["input_convention"], "caffe");
    assert_eq!(config["input_convention_from"], "stated");
}

/// `dir/in/0001.png…` (a gradient panned by 2 px per frame, `sizes` each), `dir/out/`.
fn video_frames(dir: &std::path::Path, sizes: &[(u32, u32)]) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let frame = image::RgbImage::from_fn(w, h, |x, y| {
            let u = x as f32 + 2.0 * i as f32;
            let v = 0.5 + 0.4 * (0.4 * u).sin() * (0.3 * y as f32).cos();
            image::Rgb([(v * 255.0) as u8, (y * 255 / h) as u8, 128])
        });
        frame
            .save(dir.join(format!("in/{:04}.png", i + 1)))
            .unwrap();
    }
}

fn video_args(dir: &std::path::Path, style: &std::path::Path) -> Vec<std::ffi::OsString> {
    let mut args = common::args(&[
        &"video",
        &"--frames",
        &dir.join("in/%04d.png"),
        &"--style",
        &style,
        &"--output",
        &dir.join("out/%04d.png"),
        &"--report",
        &dir.join("video.json"),
    ]);
    args.extend(FAST.iter().map(Into::into));
    args.extend(
        [
            "--size",
            "32",
            "--iterations-first",
            "2",
            "--iterations",
            "1",
        ]
        .map(Into::into),
    );
    args
}

#[test]
fn video_stylises_frames_says_so_per_frame_and_resumes() {
    let dir = scratch("video");
    let (_, style) = images(&dir);
    video_frames(&dir, &[(32, 24); 3]);
    let output = impasto(video_args(&dir, &style));
    assert_success(&output);
    let err = stderr(&output);
    for line in [
        "frame 1/3: 2 iterations",
        "frame 2/3: 1 iteration,",
        "frame 3/3: ",
    ] {
        assert!(err.contains(line), "{line:?} missing from:\n{err}");
    }
    assert!(
        err.contains("untrained") && err.contains("done: 3 frames"),
        "{err}"
    );
    assert_eq!(
        files(&dir.join("out")),
        ["0001.png", "0002.png", "0003.png"]
    );
    let json = read_report(&dir.join("video.json"));
    let frames = json["frames"].as_array().expect("frames is a list");
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[2]["skipped"], false);
    assert!(frames[2]["temporal"].as_f64().is_some(), "{json}");

    // Resumed: the finished frames are skipped and said to be.
    std::fs::remove_file(dir.join("out/0003.png")).unwrap();
    let output = impasto(video_args(&dir, &style));
    assert_success(&output);
    let err = stderr(&output);
    assert!(err.contains("frame 1/3: skipped"), "{err}");
    assert!(
        err.contains("1 frame stylised (2 already done, skipped)"),
        "{err}"
    );
    let json = read_report(&dir.join("video.json"));
    let skipped: Vec<_> = json["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["skipped"].as_bool().unwrap())
        .collect();
    assert_eq!(skipped, [true, true, false]);
}

#[test]
fn video_bad_inputs_are_one_sentence() {
    let dir = scratch("video-bad");
    let (_, style) = images(&dir);
    video_frames(&dir, &[(32, 24), (32, 24), (30, 24), (32, 24)]);
    let run = |frames: &str, expected: &str| {
        let mut args = video_args(&dir, &style);
        args[2] = dir.join(frames).into();
        let output = impasto(&args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{frames}: {err}");
        assert!(
            err.contains(expected),
            "{frames}: {expected:?} missing from {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{frames}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    run(
        "in/%04d.png",
        "0003.png is 30x24 but the first frame is 32x24",
    );
    run("in/0001.png", "no %d placeholder");
    run("empty/%04d.png", "no frames match");
    // A segment (--first 2) whose output folder is missing names its own first frame.
    let mut args = video_args(&dir, &style);
    args[6] = dir.join("missing/%04d.png").into();
    args.extend(["--first", "2"].map(Into::into));
    let output = impasto(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("0002.png") && !err.contains("0001.png"),
        "{err}"
    );
    // A luminance-only transfer cannot carry one frame's result into the next yet.
    let mut args = video_args(&dir, &style);
    args.extend(["--colors", "luminance"].map(Into::into));
    let output = impasto(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("luminance-only") && err.trim().lines().count() == 1,
        "{err}"
    );
    std::fs::remove_file(dir.join("in/0003.png")).unwrap();
    run("in/%04d.png", "0003.png is missing from the sequence");
    assert!(files(&dir.join("out")).is_empty(), "nothing written");
}
