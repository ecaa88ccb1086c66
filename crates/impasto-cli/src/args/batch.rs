//! `impasto batch`'s options.

use std::path::PathBuf;

use clap::Args;

/// What `--help` adds after the options.
const BATCH_NOTES: &str = "\
A jobs file has one JSON object per line, the options of `impasto transfer` by their long
names (`style` a list; a video segment takes `frames`, `first`, `last`, `overlap`):
  {\"content\": \"a.jpg\", \"style\": [\"s.jpg\"], \"output\": \"a-s.png\", \"size\": 512}
Relative content, style, frames, init and weights paths start at the jobs file's
directory; output, report and plot at --out-dir. Each job also writes its report
(<output>.json) unless it names one. Empty lines and lines starting with # are skipped.

Exit status: 0 when every job of the shard is done or skipped, 1 when any job or line
failed, 130 when Ctrl-C stopped the batch. The first Ctrl-C lets the current job finish
(a video job: its current frame), then stops; a second quits at once, writing nothing.

Example (4 machines, each with its shard):
  impasto batch jobs.jsonl --out-dir results --shard 2/4 --summary shard-2.json";

/// `impasto batch`.
#[derive(Debug, Args)]
#[command(args_override_self = true, after_help = BATCH_NOTES)]
pub struct BatchArgs {
    /// The jobs: a JSON Lines file, one transfer or video segment per line.
    #[arg(value_name = "JOBS.jsonl")]
    pub jobs: PathBuf,
    /// Where the outputs go: every job's output, report and plot path is relative to it.
    /// Created if missing.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Run only shard K of N, counted from 0 (0/4 to 3/4, as Kubernetes'
    /// JOB_COMPLETION_INDEX and Slurm's SLURM_ARRAY_TASK_ID count): the jobs whose index
    /// (their order among the file's non-empty, non-comment lines, from 0) is K modulo N.
    /// [default: every job]
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Also write the summary as JSON (written whole or not at all): every job's line,
    /// status, output, reason and time, and the counts.
    #[arg(long, value_name = "FILE.json")]
    pub summary: Option<PathBuf>,
    /// Print the shard's jobs, one line each (`job I (line L): OUTPUT`, or why the line is
    /// not a job), and run nothing.
    #[arg(long)]
    pub list: bool,
    /// Print only the failures and the final count.
    #[arg(long, short)]
    pub quiet: bool,
}
