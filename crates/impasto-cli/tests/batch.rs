//! `impasto batch` end to end: random weights on the flex CPU backend, tiny images. Shards
//! cover every job once, a rerun after a kill does only what was missing, bad lines are
//! reported by number while the good jobs run, video segments write only their range.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, assert_success, checkerboard, gradient, impasto, scratch, stderr, stdout};
use serde_json::Value;

/// The settings of every test job: small, quick, untrained.
const FAST_JOB: &str = r#""size": 32, "iterations": 2, "weights": "random", "backend": "flex""#;

/// `dir/content.png` (a gradient) and `dir/style.png` (a checkerboard).
fn images(dir: &Path) {
    gradient(40, 30).save(dir.join("content.png")).unwrap();
    checkerboard(32).save(dir.join("style.png")).unwrap();
}

/// A transfer job line writing `output`.
fn job(output: &str) -> String {
    format!(
        r#"{{"content": "content.png", "style": ["style.png"], "output": "{output}", {FAST_JOB}}}"#
    )
}

/// `dir/jobs.jsonl` with these lines.
fn jobs_file(dir: &Path, lines: &[String]) -> PathBuf {
    let path = dir.join("jobs.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn batch(jobs: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "batch".into(),
        jobs.as_os_str().to_owned(),
        "--out-dir".into(),
        out.as_os_str().to_owned(),
    ];
    args.extend(extra.iter().map(Into::into));
    impasto(args)
}

fn summary(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the summary exists"))
        .expect("the summary is JSON")
}

fn counts(summary: &Value) -> [u64; 3] {
    ["done", "skipped", "failed"].map(|k| summary[k].as_u64().expect("a count"))
}

/// Every file under `dir` that a write in progress would leave (`.NAME.PID.partial`).
fn partial_files(dir: &Path) -> Vec<String> {
    common::files(dir)
        .into_iter()
        .filter(|name| name.ends_with(".partial"))
        .collect()
}

#[test]
fn shards_cover_every_job_exactly_once() {
    let dir = scratch("batch-shards");
    let mut lines: Vec<String> = (0..9).map(|i| job(&format!("o{i}.png"))).collect();
    lines.insert(3, "# a comment, not a job".into());
    lines.insert(5, String::new());
    lines.insert(6, "{not json".into()); // a bad line is a job of its shard too
    let jobs = jobs_file(&dir, &lines);
    for n in 1..=5 {
        let mut seen = Vec::new();
        for k in 0..n {
            let output = batch(&jobs, &dir, &["--list", "--shard", &format!("{k}/{n}")]);
            assert_success(&output);
            for line in stdout(&output).lines() {
                let index: usize = line
                    .strip_prefix("job ")
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|i| i.parse().ok())
                    .unwrap_or_else(|| panic!("not a listing line: {line}"));
                assert_eq!(index % n, k, "{line}");
                seen.push(index);
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>(), "N = {n}");
    }
    let listing = stdout(&batch(&jobs, &dir, &["--list"]));
    assert!(
        listing.contains("job 4 (line 7): invalid: the line is not valid JSON"),
        "{listing}"
    );
    assert!(listing.contains("job 0 (line 1): "), "{listing}");
    assert!(
        common::files(&dir).iter().all(|f| !f.ends_with(".png")),
        "--list ran nothing"
    );

    for bad in ["3/3", "1", "-1/2", "a/b"] {
        let output = batch(&jobs, &dir, &["--list", &format!("--shard={bad}")]);
        assert_eq!(output.status.code(), Some(1), "--shard {bad}");
        let err = stderr(&output);
        assert!(err.starts_with("error: --shard takes K/N"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_shard_runs_its_jobs_and_a_rerun_does_only_what_is_missing() {
    let dir = scratch("batch-rerun");
    images(&dir);
    let lines: Vec<String> = (0..4).map(|i| job(&format!("sub/o{i}.png"))).collect();
    let jobs = jobs_file(&dir, &lines);
    let out = dir.join("out");
    let summary_path = dir.join("shard-1.json");
    let summary_arg = summary_path.display().to_string();

    // Shard 1 of 2: jobs 1 and 3, each with its image and its report.
    let output = batch(&jobs, &out, &["--shard", "1/2", "--summary", &summary_arg]);
    assert_success(&output);
    let first = summary(&summary_path);
    assert_eq!(counts(&first), [2, 0, 0], "{first}");
    assert_eq!(first["shard"]["count"], 2);
    let written = common::files(&out.join("sub"));
    assert_eq!(
        written,
        ["o1.json", "o1.png", "o3.json", "o3.png"],
        "{written:?}"
    );
    let image = image::open(out.join("sub/o1.png")).expect("a complete image");
    assert_eq!(image.width().max(image.height()), 32);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sub/o1.json")).unwrap()).unwrap();
    assert_eq!(report["config"]["random_weights"], true);
    let err = stderr(&output);
    assert!(err.contains("job 1 (line 2): done"), "{err}");
    assert!(err.contains("batch: 2 done, 0 skipped, 0 failed"), "{err}");

    // What a killed worker leaves: o3.png never renamed into place, its temporary file.
    std::fs::remove_file(out.join("sub/o3.png")).unwrap();
    std::fs::write(out.join("sub/.o3.png.4242.partial"), b"half an image").unwrap();
    let kept = std::fs::metadata(out.join("sub/o1.png"))
        .unwrap()
        .modified()
        .unwrap();
    let output = batch(&jobs, &out, &["--shard", "1/2", "--summary", &summary_arg]);
    assert_success(&output);
    let second = summary(&summary_path);
    assert_eq!(counts(&second), [1, 1, 0], "{second}");
    assert_eq!(second["jobs"][0]["status"], "skipped");
    assert_eq!(second["jobs"][1]["status"], "done");
    assert_eq!(
        std::fs::metadata(out.join("sub/o1.png"))
            .unwrap()
            .modified()
            .unwrap(),
        kept,
        "a finished job is not redone"
    );
    assert!(image::open(out.join("sub/o3.png")).is_ok());
    assert_eq!(partial_files(&out.join("sub")), Vec::<String>::new());
}

#[test]
fn a_killed_batch_leaves_only_complete_outputs_and_resumes() {
    let dir = scratch("batch-kill");
    images(&dir);
    let lines: Vec<String> = (0..5).map(|i| job(&format!("o{i}.png"))).collect();
    let jobs = jobs_file(&dir, &lines);
    let out = dir.join("out");
    let mut child = Command::new(BIN)
        .args([
            OsStr::new("batch"),
            jobs.as_os_str(),
            OsStr::new("--out-dir"),
            out.as_os_str(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start impasto batch");
    // Killed (SIGKILL: no handler runs) once the first job is written, mid-batch.
    let deadline = Instant::now() + Duration::from_secs(300);
    while !out.join("o0.png").is_file() {
        assert!(Instant::now() < deadline, "the first job never finished");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before: Vec<String> = common::files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".png") && !f.starts_with('.'))
        .collect();
    assert!(before.len() < 5, "killed before the end: {before:?}");
    for name in &before {
        assert!(
            image::open(out.join(name)).is_ok(),
            "{name} is half written"
        );
    }

    let summary_path = dir.join("summary.json");
    let output = batch(
        &jobs,
        &out,
        &["--summary", &summary_path.display().to_string()],
    );
    assert_success(&output);
    let [done, skipped, failed] = counts(&summary(&summary_path));
    assert_eq!(skipped as usize, before.len());
    assert_eq!((done + skipped, failed), (5, 0));
    for i in 0..5 {
        assert!(image::open(out.join(format!("o{i}.png"))).is_ok());
    }
    assert_eq!(partial_files(&out), Vec::<String>::new());
}

#[test]
fn bad_lines_are_reported_by_number_and_the_good_jobs_still_run() {
    let dir = scratch("batch-bad");
    images(&dir);
    let lines = [
        "{\"content\": \"content.png\", \"style\": [\"style.png\"]".to_owned(),
        job("good.png"),
        format!(
            r#"{{"content": "content.png", "style": ["style.png"], "output": "u.png", "colour": "red", {FAST_JOB}}}"#
        ),
        format!(r#"{{"style": ["style.png"], "output": "m.png", {FAST_JOB}}}"#),
        format!(
            r#"{{"content": "missing.png", "style": ["style.png"], "output": "x.png", {FAST_JOB}}}"#
        ),
        job("good.png"),
    ];
    let jobs = jobs_file(&dir, &lines);
    let out = dir.join("out");
    let summary_path = dir.join("summary.json");
    let output = batch(
        &jobs,
        &out,
        &["--quiet", "--summary", &summary_path.display().to_string()],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    for expected in [
        "job 0 (line 1): failed: the line is not valid JSON",
        "job 2 (line 3): failed: unknown key \"colour\"",
        "job 3 (line 4): failed: ",
        "job 4 (line 5): failed: ",
        "job 5 (line 6): failed: ",
        "error: 5 of 6 jobs failed",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    let line = |n: usize| {
        err.lines()
            .find(|l| l.contains(&format!("(line {n})")))
            .unwrap()
    };
    assert!(line(4).contains("--content"), "{err}");
    assert!(line(5).contains("missing.png"), "{err}");
    assert!(
        line(6).contains("also written by the job on line 2"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        image::open(out.join("good.png")).is_ok(),
        "the good job ran"
    );
    let summary = summary(&summary_path);
    assert_eq!(counts(&summary), [1, 0, 5], "{summary}");
    assert_eq!(summary["jobs"][2]["line"], 3);
    assert!(
        summary["jobs"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
}

#[test]
fn a_video_segment_job_writes_only_its_range() {
    let dir = scratch("batch-video");
    images(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for i in 1..=4u32 {
        // A gradient panned by 2 px a frame.
        let frame = image::RgbImage::from_fn(32, 24, |x, y| {
            let u = x + 2 * i;
            image::Rgb([
                (u * 5 % 256) as u8,
                (y * 10) as u8,
                ((u + y) * 3 % 256) as u8,
            ])
        });
        frame.save(dir.join(format!("in/{i:04}.png"))).unwrap();
    }
    let line = r#"{"frames": "in/%04d.png", "style": ["style.png"], "output": "seg/%04d.png",
        "first": 3, "last": 4, "overlap": 1, "iterations_first": 2, "iterations": 1,
        "size": 32, "weights": "random", "backend": "flex"}"#
        .replace('\n', " ");
    let jobs = jobs_file(&dir, &[line]);
    let out = dir.join("out");
    let output = batch(&jobs, &out, &[]);
    assert_success(&output);
    assert_eq!(
        common::files(&out.join("seg")),
        ["0003.png", "0004.png", "video-3-4.json"],
        "the lead-in frame 2 is not written"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("seg/video-3-4.json")).unwrap())
            .unwrap();
    assert!(
        report["frames"][0]["temporal_weight"].is_number(),
        "{report}"
    );
    let again = batch(&jobs, &out, &[]);
    assert_success(&again);
    assert!(
        stderr(&again).contains("skipped all 2 frames exist"),
        "{}",
        stderr(&again)
    );
}
