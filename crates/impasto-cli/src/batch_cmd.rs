//! `impasto batch`: many transfers (or video segments) from a JSON Lines file, one shard
//! of them, each skipped when its output exists; a line per job, a summary, and an exit
//! status that says whether any failed. The unit a scheduler (Ray, a Kubernetes Indexed
//! Job, a Slurm array) hands out is a shard: idempotent, so a retried shard redoes only
//! what is missing (docs/batch.md).

pub mod jobs;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use impasto::transfer::NetworkCache;
use serde_json::{Value, json};

use self::jobs::{Job, Line, Shard};
use crate::args::{BatchArgs, TransferArgs, VideoArgs};
use crate::error::{CliError, one_line};
use crate::outputs::probe;
use crate::progress::{self, number};
use crate::run::{self, Mode};
use crate::{config, interrupt, video_cmd};

/// What became of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Done,
    Skipped,
    Failed(String),
    /// A video job stopped by Ctrl-C after a frame; a rerun goes on from there.
    Stopped,
    /// Not started: Ctrl-C came first.
    NotRun,
}

impl Status {
    fn name(&self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Skipped => "skipped",
            Status::Failed(_) => "failed",
            Status::Stopped => "stopped",
            Status::NotRun => "not_run",
        }
    }
}

/// One job's outcome: its status, what it did, how long it took.
struct Outcome {
    status: Status,
    detail: String,
    seconds: f64,
}

/// Runs `impasto batch`.
pub fn run(args: &BatchArgs) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(CliError::new)?,
        None => Shard::ALL,
    };
    let text = std::fs::read_to_string(&args.jobs).map_err(|e| {
        CliError::new(format!(
            "cannot read the jobs file {}: {e}",
            args.jobs.display()
        ))
    })?;
    let base = args
        .jobs
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let lines = jobs::parse(&text, base, &args.out_dir);
    if lines.is_empty() {
        return Err(CliError::new(format!(
            "the jobs file {} has no jobs; give one JSON object per line",
            args.jobs.display()
        )));
    }
    let total = lines.len();
    let mine: Vec<&Line> = lines.iter().filter(|l| shard.contains(l.index)).collect();
    if args.list {
        for line in &mine {
            println!("{}", listing(line));
        }
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(&args.out_dir).map_err(|e| {
        CliError::new(format!(
            "cannot create the output directory {}: {e}",
            args.out_dir.display()
        ))
    })?;
    if let Some(path) = &args.summary {
        probe(path)?;
    }
    let quiet = args.quiet;
    let notify: Box<dyn Fn(&str) + Send + Sync> = Box::new(move |message: &str| {
        if !quiet {
            progress::print_line(message);
        }
    });
    if let Err(why) = interrupt::install(
        args.summary.iter().cloned().collect(),
        notify,
        "interrupted: finishing the current job, then stopping (press Ctrl-C again to quit at \
         once, writing nothing more); run the same command again to resume",
    ) && !quiet
    {
        progress::print_line(&format!(
            "warning: Ctrl-C cannot stop the batch gracefully ({why}); it will end the program"
        ));
    }
    if !quiet {
        progress::print_line(&format!(
            "batch: {} of {total} jobs in {} (shard {}/{}) -> {}",
            mine.len(),
            args.jobs.display(),
            shard.index,
            shard.count,
            args.out_dir.display()
        ));
        let random = mine.iter().any(|line| match &line.job {
            Ok(Job::Transfer(a)) => a.run.network.weights.as_deref() == Some("random"),
            Ok(Job::Video(a)) => a.network.weights.as_deref() == Some("random"),
            Err(_) => false,
        });
        if random {
            progress::print_line(
                "warning: some jobs use --weights random: an untrained network, a demo of the \
                 method, not real style transfer",
            );
        }
    }

    let mut outcomes = Vec::with_capacity(mine.len());
    // The jobs of a shard usually share their network: its weights are read once.
    let mut networks = NetworkCache::new();
    for line in &mine {
        let outcome = if interrupt::stop_requested() {
            Outcome {
                status: Status::NotRun,
                detail: String::new(),
                seconds: 0.0,
            }
        } else {
            run_line(line, &mut networks)
        };
        if !quiet || matches!(outcome.status, Status::Failed(_)) {
            progress::print_line(&report_line(line, &outcome));
        }
        outcomes.push(outcome);
    }

    let count = |name: &str| outcomes.iter().filter(|o| o.status.name() == name).count();
    let (done, skipped, failed) = (count("done"), count("skipped"), count("failed"));
    let unfinished = count("stopped") + count("not_run");
    let stopped = interrupt::stop_requested();
    if let Some(path) = &args.summary {
        let summary = summary_json(args, shard, total, &mine, &outcomes, started);
        let text = serde_json::to_string_pretty(&summary).expect("JSON values serialise");
        interrupt::writing(path, || {
            impasto::image::write_atomically(path, text.as_bytes())
        })?;
    }
    let unfinished_text = if unfinished > 0 {
        format!(", {unfinished} not finished (Ctrl-C; run the same command again to resume)")
    } else {
        String::new()
    };
    progress::print_line(&format!(
        "batch: {done} done, {skipped} skipped, {failed} failed{unfinished_text}, {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    if failed > 0 {
        return Err(CliError::new(format!(
            "{failed} of {} jobs failed (the lines above say why)",
            mine.len()
        )));
    }
    if stopped && unfinished > 0 {
        return Ok(ExitCode::from(interrupt::EXIT_INTERRUPTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one line's job, or reports why it is not one.
fn run_line(line: &Line, networks: &mut NetworkCache) -> Outcome {
    let started = Instant::now();
    let status = match &line.job {
        Err(reason) => Err(reason.clone()),
        Ok(Job::Transfer(args)) => run_transfer(args, networks),
        Ok(Job::Video(args)) => run_video(args),
    };
    let (status, detail) = match status {
        Ok(done) => done,
        Err(reason) => (Status::Failed(reason), String::new()),
    };
    Outcome {
        status,
        detail,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn run_transfer(
    args: &TransferArgs,
    networks: &mut NetworkCache,
) -> Result<(Status, String), String> {
    let run = &args.run;
    // Written atomically and last of the job's files: if it exists, the job is complete.
    if run.output().is_file() {
        return Ok((
            Status::Skipped,
            format!("{} exists", run.output().display()),
        ));
    }
    let files: Vec<&Path> = [
        Some(run.output()),
        run.report.as_deref(),
        run.plot.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for file in &files {
        prepare(file)?;
    }
    let job = config::transfer_job(args).map_err(|e| one_line(&e.to_string()))?;
    let report =
        run::execute(job, Mode::InBatch, networks).map_err(|e| one_line(&e.to_string()))?;
    let iterations = report.records.last().map_or(0, |r| r.iteration);
    let loss = report.best_record().map_or(f64::NAN, |r| r.loss);
    Ok((
        Status::Done,
        format!(
            "{} ({iterations} iterations, loss {})",
            run.output().display(),
            number(loss)
        ),
    ))
}

fn run_video(args: &VideoArgs) -> Result<(Status, String), String> {
    let fail = |e: CliError| one_line(&e.to_string());
    let pattern = Path::new(&args.output);
    prepare(pattern)?;
    if let Some(report) = &args.report {
        prepare(report)?;
    }
    let video = video_cmd::video(args).map_err(fail)?;
    let (first, last) = video
        .written_positions()
        .map_err(|e| one_line(&e.to_string()))?;
    if (first..=last).all(|p| video.output_path(p).is_file()) {
        return Ok((
            Status::Skipped,
            format!("all {} frames exist", last + 1 - first),
        ));
    }
    for position in first..=last {
        remove_partials(&video.output_path(position));
    }
    let report = video_cmd::execute(args, Mode::InBatch).map_err(fail)?;
    let done = report.frames.iter().filter(|f| !f.skipped).count();
    let status = if report.stopped {
        Status::Stopped
    } else {
        Status::Done
    };
    Ok((status, format!("{} ({done} frames stylised)", args.output)))
}

/// Makes `file`'s directory, and removes what a killed worker left of an earlier attempt
/// at it: `.NAME.PID.partial` temporary files (outputs are renamed into place whole, so a
/// kill never leaves a partial output, only these). Shards are disjoint, so no other
/// process is writing this job's files.
fn prepare(file: &Path) -> Result<(), String> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
    }
    remove_partials(file);
    Ok(())
}

fn remove_partials(file: &Path) {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let entry_name = entry_name.to_string_lossy();
        if let Some(rest) = entry_name.strip_prefix(&prefix)
            && let Some(pid) = rest.strip_suffix(".partial")
            && pid.bytes().all(|b| b.is_ascii_digit())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `job 3 (line 5): out/a-s.png`, or the reason the line is not a job.
fn listing(line: &Line) -> String {
    match &line.job {
        Ok(job) => format!(
            "job {} (line {}): {}",
            line.index,
            line.number,
            job.output()
        ),
        Err(reason) => format!(
            "job {} (line {}): invalid: {reason}",
            line.index, line.number
        ),
    }
}

/// `job 3 (line 5): done out/a-s.png (60 iterations, loss 1.2e4), 3.1 s`.
fn report_line(line: &Line, outcome: &Outcome) -> String {
    let head = format!("job {} (line {})", line.index, line.number);
    match &outcome.status {
        Status::Failed(reason) => format!("{head}: failed: {reason}"),
        Status::NotRun => format!("{head}: not run (stopped by Ctrl-C)"),
        status => format!(
            "{head}: {} {}, {:.1} s",
            status.name(),
            outcome.detail,
            outcome.seconds
        ),
    }
}

fn summary_json(
    args: &BatchArgs,
    shard: Shard,
    total: usize,
    mine: &[&Line],
    outcomes: &[Outcome],
    started: Instant,
) -> Value {
    let jobs: Vec<Value> = mine
        .iter()
        .zip(outcomes)
        .map(|(line, outcome)| {
            json!({
                "line": line.number,
                "index": line.index,
                "status": outcome.status.name(),
                "output": line.job.as_ref().ok().map(Job::output),
                "reason": match &outcome.status {
                    Status::Failed(reason) => Some(reason.as_str()),
                    _ => None,
                },
                "seconds": outcome.seconds,
            })
        })
        .collect();
    let count = |name: &str| outcomes.iter().filter(|o| o.status.name() == name).count();
    json!({
        "impasto_version": env!("CARGO_PKG_VERSION"),
        "jobs_file": args.jobs.display().to_string(),
        "out_dir": args.out_dir.display().to_string(),
        "shard": { "index": shard.index, "count": shard.count },
        "total_jobs": total,
        "jobs": jobs,
        "done": count("done"),
        "skipped": count("skipped"),
        "failed": count("failed"),
        "stopped": count("stopped"),
        "not_run": count("not_run"),
        "duration_ms": started.elapsed().as_secs_f64() * 1e3,
    })
}
