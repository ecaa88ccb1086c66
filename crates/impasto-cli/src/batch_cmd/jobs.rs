//! The jobs file of `impasto batch`: one JSON object per line, each the options of an
//! `impasto transfer` (or, with `"frames"`, an `impasto video`) keyed by their long names.
//! A line becomes the command line it stands for and is parsed by clap, so a job means
//! exactly what the same options mean on the command line, defaults included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::{ArgAction, CommandFactory, Parser};
use serde_json::Value;

use crate::args::{Cli, Command, TransferArgs, VideoArgs};
use crate::config;
use crate::error::{clap_one_line, one_line};

/// One job line of the file: its place, and the job or why it is not one.
#[derive(Debug)]
pub struct Line {
    /// The line number in the file, from 1.
    pub number: usize,
    /// The job's index, from 0: its place among the non-empty, non-comment lines (bad
    /// ones included, so that a bad line does not move the other jobs between shards).
    pub index: usize,
    /// The job, or the one-sentence reason the line is not a valid job.
    pub job: Result<Job, String>,
}

/// A valid job: the parsed options of the command it stands for.
#[derive(Debug)]
pub enum Job {
    /// `impasto transfer`.
    Transfer(Box<TransferArgs>),
    /// `impasto video`, usually a segment (`first`, `last`, `overlap`).
    Video(Box<VideoArgs>),
}

impl Job {
    /// What the job writes, for the listing and the summary: the image, or the frame
    /// pattern and range.
    pub fn output(&self) -> String {
        match self {
            Job::Transfer(args) => args.run.output().display().to_string(),
            Job::Video(args) => match (args.first, args.last) {
                (None, None) => args.output.clone(),
                (first, last) => format!(
                    "{} frames {} to {}",
                    args.output,
                    first.map_or("the first".to_owned(), |n| n.to_string()),
                    last.map_or("the last".to_owned(), |n| n.to_string())
                ),
            },
        }
    }

    /// The single files the job writes (a video's frames are checked by range instead).
    fn files(&self) -> Vec<PathBuf> {
        match self {
            Job::Transfer(args) => {
                let run = &args.run;
                let mut files = vec![run.output().to_path_buf()];
                files.extend(run.report.iter().cloned());
                files.extend(run.plot.iter().cloned());
                let regions = args.styles.regions.unwrap_or(0);
                files.extend((1..=regions).map(|k| crate::outputs::region_path(run.output(), k)));
                files
            }
            Job::Video(args) => args.report.iter().cloned().collect(),
        }
    }
}

/// The jobs of `text`, the contents of a jobs file: `base` is the file's directory
/// (relative input paths start there), `out_dir` the outputs' directory.
pub fn parse(text: &str, base: &Path, out_dir: &Path) -> Vec<Line> {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        lines.push(Line {
            number: number + 1,
            index: lines.len(),
            job: parse_job(trimmed, base, out_dir),
        });
    }
    // Two jobs writing one file would race on different machines: the later line is the
    // error, decided over the whole file so that every shard agrees.
    let mut owners: HashMap<PathBuf, usize> = HashMap::new();
    for line in &mut lines {
        let Ok(job) = &line.job else { continue };
        let clash = job
            .files()
            .into_iter()
            .find_map(|file| owners.get(&file).map(|&owner| (file, owner)));
        if let Some((file, owner)) = clash {
            line.job = Err(format!(
                "{} is also written by the job on line {owner}; give each job its own outputs",
                file.display()
            ));
            continue;
        }
        for file in job.files() {
            owners.insert(file, line.number);
        }
    }
    lines
}

/// Keys whose relative paths start at the jobs file's directory, and the words that are
/// not paths there.
const INPUT_PATHS: [(&str, &[&str]); 6] = [
    ("content", &[]),
    ("style", &[]),
    ("style-mask", &[]),
    ("frames", &[]),
    ("init", &["noise", "content", "style"]),
    ("weights", &["random"]),
];

/// Keys whose relative paths start at `--out-dir`.
const OUTPUT_PATHS: [&str; 3] = ["output", "report", "plot"];

/// One job line: JSON, then the command line it stands for, parsed and checked.
fn parse_job(text: &str, base: &Path, out_dir: &Path) -> Result<Job, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the line is not valid JSON ({e})"))?;
    let Value::Object(object) = value else {
        return Err(format!(
            "a job is a JSON object such as {{\"content\": \"a.jpg\", \"style\": [\"s.jpg\"], \
             \"output\": \"a-s.png\"}}, not {}",
            kind_of(&value)
        ));
    };
    parse_object(&object, base, out_dir)
}

/// A transfer job of `impasto serve`: `object` holds the options of a job line (the
/// caller has put the inputs and outputs in it, as names in `dir`), so that a served
/// job means exactly what the same line means to `impasto batch`, defaults and checks
/// included.
pub fn transfer_args(
    object: &serde_json::Map<String, Value>,
    dir: &Path,
) -> Result<Box<TransferArgs>, String> {
    if object.contains_key("frames") {
        return Err("a served job is a transfer; \"frames\" is not a key here".to_owned());
    }
    match parse_object(object, dir, dir)? {
        Job::Transfer(args) => Ok(args),
        Job::Video(_) => Err("a served job is a transfer, not a video".to_owned()),
    }
}

/// A job line's object: the command line it stands for, parsed and checked.
fn parse_object(
    object: &serde_json::Map<String, Value>,
    base: &Path,
    out_dir: &Path,
) -> Result<Job, String> {
    let command = if object.contains_key("frames") {
        "video"
    } else {
        "transfer"
    };
    let definition = Cli::command();
    let subcommand = definition
        .find_subcommand(command)
        .expect("the transfer and video subcommands exist");
    let mut argv = vec!["impasto".to_owned(), command.to_owned()];
    let mut output = None;
    let mut has_report = false;
    for (key, value) in object {
        let name = key.replace('_', "-");
        let Some(arg) = subcommand
            .get_arguments()
            .find(|a| a.get_long() == Some(name.as_str()))
        else {
            return Err(format!(
                "unknown key \"{key}\"; a {command} job's keys are the long options of \
                 `impasto {command}` (see `impasto {command} --help`){}",
                if command == "transfer" && ["first", "last", "overlap"].contains(&key.as_str()) {
                    ", and a video segment needs \"frames\""
                } else {
                    ""
                }
            ));
        };
        let flag = matches!(arg.get_action(), ArgAction::SetTrue);
        let repeated = matches!(arg.get_action(), ArgAction::Append);
        let values = match value {
            Value::Null => continue,
            Value::Bool(on) if flag => {
                if *on {
                    argv.push(format!("--{name}"));
                }
                continue;
            }
            _ if flag => return Err(format!("\"{key}\" is true or false, not {value}")),
            Value::Array(items) if !repeated && items.len() != 1 => {
                return Err(format!("\"{key}\" takes one value, not a list"));
            }
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        for value in values {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                other => {
                    return Err(format!(
                        "\"{key}\" takes a string or a number, not {}",
                        kind_of(other)
                    ));
                }
            };
            let text = resolve(&name, text, base, out_dir);
            if name == "output" {
                output = Some(text.clone());
            }
            has_report |= name == "report";
            // `--name=value`: a value that starts with `-` stays a value.
            argv.push(format!("--{name}={text}"));
        }
    }
    if !has_report && let Some(output) = &output {
        argv.push(format!(
            "--report={}",
            default_report(command, output, object)
        ));
    }
    // The batch prints a line per job; the jobs' own progress would drown it.
    argv.push("--quiet".to_owned());
    let cli = Cli::try_parse_from(argv).map_err(|e| clap_reason(&e))?;
    match cli.command {
        Command::Transfer(args) => {
            // The checks `impasto transfer` makes before reading any file.
            config::transfer_job(&args).map_err(|e| one_line(&e.to_string()))?;
            Ok(Job::Transfer(Box::new(args)))
        }
        Command::Video(args) => Ok(Job::Video(Box::new(args))),
        _ => unreachable!("the command is transfer or video"),
    }
}

/// `text` as the path it names for the option `name`: inputs from `base`, outputs
/// from `out_dir`; absolute paths and words such as `random` unchanged.
fn resolve(name: &str, text: String, base: &Path, out_dir: &Path) -> String {
    let dir = if OUTPUT_PATHS.contains(&name) {
        out_dir
    } else {
        match INPUT_PATHS.iter().find(|(key, _)| *key == name) {
            Some((_, words)) if !words.contains(&text.as_str()) => base,
            _ => return text,
        }
    };
    if text.is_empty() || Path::new(&text).is_absolute() {
        return text;
    }
    dir.join(&text).display().to_string()
}

/// The report a job writes unless it names one: `<output stem>.json` beside a
/// transfer's image; `video-<first>-<last>.json` beside a video's frames.
fn default_report(command: &str, output: &str, object: &serde_json::Map<String, Value>) -> String {
    let output = Path::new(output);
    if command == "transfer" {
        return output.with_extension("json").display().to_string();
    }
    let bound = |key: &str, none: &str| {
        object
            .get(key)
            .filter(|v| !v.is_null())
            .map_or(none.to_owned(), ToString::to_string)
    };
    let name = if object.contains_key("first") || object.contains_key("last") {
        format!(
            "video-{}-{}.json",
            bound("first", "start"),
            bound("last", "end")
        )
    } else {
        "video.json".to_owned()
    };
    output.with_file_name(name).display().to_string()
}

/// clap's message for a job line: one sentence, without the command line's framing.
fn clap_reason(error: &clap::Error) -> String {
    let line = clap_one_line(&error.to_string());
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    line.strip_suffix(" (see --help)")
        .unwrap_or(line)
        .to_owned()
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A deterministic part of the jobs: shard `index` of `count` takes job `i` when
/// `i % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 0.
    pub index: usize,
    /// At least 1.
    pub count: usize,
}

impl Shard {
    /// Every job.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// `K/N`, K from 0 (as Kubernetes' `JOB_COMPLETION_INDEX` and Slurm's
    /// `SLURM_ARRAY_TASK_ID` count).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid =
            || format!("--shard takes K/N, shard K of N counted from 0 (0/4 to 3/4), not `{text}`");
        let (index, count) = text.trim().split_once('/').ok_or_else(invalid)?;
        let index: usize = index.trim().parse().map_err(|_| invalid())?;
        let count: usize = count.trim().parse().map_err(|_| invalid())?;
        if count == 0 || index >= count {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }

    /// Whether job `index` is in this shard.
    pub fn contains(&self, index: usize) -> bool {
        index % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(text: &str) -> Result<Job, String> {
        parse_job(text, Path::new("jobs"), Path::new("out"))
    }

    #[test]
    fn shards_parse_from_zero() {
        assert_eq!(Shard::parse("0/1"), Ok(Shard::ALL));
        assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "1/0", "-1/3", "2", "a/b", "1/2/3", ""] {
            let error = Shard::parse(bad).unwrap_err();
            assert!(error.contains("counted from 0"), "{bad}: {error}");
        }
        let shards: Vec<_> = (0..3).map(|k| Shard { index: k, count: 3 }).collect();
        for i in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.contains(i)).count(), 1);
        }
    }

    #[test]
    fn a_line_is_the_command_line_it_stands_for() {
        let Ok(Job::Transfer(args)) = job(
            r#"{"content": "a.jpg", "style": ["s.jpg", "/abs/t.jpg"], "output": "a-s.png",
                "size": 64, "weights": "random", "seed": 3, "style_blend": [0.7, 0.3],
                "original-colors": true, "init": "noise", "iterations": [5], "bounds": "none",
                "style_mask": ["sky.png", "/abs/ground.png"]}"#,
        ) else {
            panic!("a valid job")
        };
        assert_eq!(args.content, Path::new("jobs/a.jpg"));
        assert_eq!(
            args.styles.style,
            [PathBuf::from("jobs/s.jpg"), PathBuf::from("/abs/t.jpg")]
        );
        assert_eq!(args.styles.style_blend, Some(vec![0.7, 0.3]));
        assert_eq!(
            args.styles.style_mask,
            [
                PathBuf::from("jobs/sky.png"),
                PathBuf::from("/abs/ground.png")
            ]
        );
        assert!(args.styles.original_colors);
        let run = &args.run;
        assert_eq!(run.output(), Path::new("out/a-s.png"));
        assert_eq!(run.report.as_deref(), Some(Path::new("out/a-s.json")));
        assert_eq!(
            (run.size, run.network.seed, run.iterations.as_slice()),
            (Some(64), 3, &[5][..])
        );
        assert_eq!(run.network.weights.as_deref(), Some("random"));
        assert_eq!(run.init.as_deref(), Some("noise"));
        let bounds: impasto::transfer::PixelBounds = run.bounds.bounds.unwrap().into();
        assert_eq!(bounds, impasto::transfer::PixelBounds::None);
        assert!(run.quiet);
    }

    #[test]
    fn a_video_segment_is_a_video_job() {
        let Ok(Job::Video(args)) = job(
            r#"{"frames": "in/%04d.png", "style": "s.jpg", "output": "seg/%04d.png",
                "first": 31, "last": 60, "overlap": 3, "weights": "random"}"#,
        ) else {
            panic!("a valid video job")
        };
        assert_eq!(args.frames, "jobs/in/%04d.png");
        assert_eq!(args.output, "out/seg/%04d.png");
        assert_eq!(
            (args.first, args.last, args.overlap),
            (Some(31), Some(60), 3)
        );
        assert_eq!(
            args.report.as_deref(),
            Some(Path::new("out/seg/video-31-60.json"))
        );
    }

    #[test]
    fn bad_lines_say_why() {
        for (text, expected) in [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "a JSON object"),
            (r#"{"content": "a.jpg", "style": ["s.jpg"]}"#, "--output"),
            (r#"{"style": ["s.jpg"], "output": "o.png"}"#, "--content"),
            (
                r#"{"content": "a.jpg", "style": ["s.jpg"], "output": "o.png", "colour": 1}"#,
                "unknown key \"colour\"",
            ),
            (
                r#"{"content": "a.jpg", "style": ["s.jpg"], "output": "o.png", "size": "big"}"#,
                "big",
            ),
            (
                r#"{"content": "a.jpg", "style": ["s.jpg"], "output": "o.png", "size": [1, 2]}"#,
                "one value",
            ),
            (
                r#"{"content": "a.jpg", "style": "s.jpg", "output": "o.png", "quiet": 1}"#,
                "true or false",
            ),
        ] {
            let error = job(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn lines_are_numbered_and_indexed_and_outputs_are_unique() {
        let text = "# a comment\n\n{\"content\": \"a.jpg\", \"style\": \"s.jpg\", \"output\": \
                    \"o.png\"}\nnot json\n{\"content\": \"b.jpg\", \"style\": \"s.jpg\", \
                    \"output\": \"o.png\"}\n";
        let lines = parse(text, Path::new("."), Path::new("out"));
        let places: Vec<_> = lines.iter().map(|l| (l.number, l.index)).collect();
        assert_eq!(places, [(3, 0), (4, 1), (5, 2)]);
        assert!(lines[0].job.is_ok());
        let error = lines[2].job.as_ref().unwrap_err();
        assert!(error.contains("line 3"), "{error}");
    }
}
