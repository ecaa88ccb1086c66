//! The one thread that runs the jobs, in submission order: a run is blocking work that
//! uses every core, so two at once would only slow both, and the network it loads is
//! kept for the next job.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use impasto::optim::Control;
use impasto::transfer::{NetworkCache, Progress};

use super::state::{CANCELLED, FAILED, REPORT, RESULT, Shared, State};
use crate::config;
use crate::error::one_line;
use crate::run::{self, Mode};

/// A preview every this many iterations (and at each stage's start and the run's end).
const PREVIEW_EVERY: usize = 5;

/// Starts the worker thread.
pub fn spawn(shared: Arc<Shared>) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("impasto-serve-worker".to_owned())
        .spawn(move || work(&shared))
}

fn work(shared: &Shared) {
    let mut networks = NetworkCache::new();
    while let Some(id) = next(shared) {
        let outcome = catch_unwind(AssertUnwindSafe(|| run_job(shared, &id, &mut networks)));
        let (state, error) = match outcome {
            Ok(Ok(state)) => (state, None),
            Ok(Err(error)) => (State::Failed, Some(error)),
            Err(panic) => {
                // The cache may hold a half-built network: start afresh.
                networks = NetworkCache::new();
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "an internal error".to_owned());
                (
                    State::Failed,
                    Some(format!(
                        "the run stopped on an internal error: {}",
                        one_line(&what)
                    )),
                )
            }
        };
        if state == State::Cancelled {
            let dir = shared.job_dir(&id);
            // The marker first: a server stopping between the two lists it as cancelled.
            let _ = impasto::image::write_atomically(&dir.join(CANCELLED), b"");
            let _ = std::fs::remove_file(dir.join(RESULT));
            let _ = std::fs::remove_file(dir.join(REPORT));
        }
        if let Some(error) = &error {
            let path = shared.job_dir(&id).join(FAILED);
            let _ = impasto::image::write_atomically(&path, error.as_bytes());
        }
        {
            let mut jobs = shared.lock();
            if let Some(entry) = jobs.entries.get_mut(&id) {
                entry.state = state;
                entry.error = error;
                entry.preview = None;
            }
        }
        shared.notify();
    }
}

/// The next queued job, marked running (waiting for one: the thread lives as long as
/// the process).
fn next(shared: &Shared) -> Option<String> {
    let mut jobs = shared.lock();
    loop {
        if let Some(id) = jobs.queue.pop_front() {
            if let Some(entry) = jobs.entries.get_mut(&id) {
                entry.state = State::Running;
            }
            drop(jobs);
            shared.notify();
            return Some(id);
        }
        jobs = shared
            .wake
            .wait(jobs)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }
}

/// Runs job `id`: done, or cancelled if a cancel came while it ran.
fn run_job(shared: &Shared, id: &str, networks: &mut NetworkCache) -> Result<State, String> {
    let (args, cancel) = {
        let mut jobs = shared.lock();
        let entry = jobs
            .entries
            .get_mut(id)
            .ok_or_else(|| "the job disappeared from the server's list".to_owned())?;
        let args = entry
            .args
            .take()
            .ok_or_else(|| "the job has no settings left to run".to_owned())?;
        (args, entry.cancel.clone())
    };
    if cancel.load(Ordering::SeqCst) {
        return Ok(State::Cancelled);
    }
    let job = config::transfer_job(&args).map_err(|e| one_line(&e.to_string()))?;
    let mut last_stage = None;
    let mut last_sent = Instant::now();
    let mut watch = |p: &Progress<'_>| {
        let record = p.record();
        let new_stage = last_stage != Some(record.stage);
        last_stage = Some(record.stage);
        let last = record.iteration >= p.max_iterations();
        let preview = (new_stage || last || record.iteration.is_multiple_of(PREVIEW_EVERY))
            .then(|| Arc::new(p.image()));
        {
            let mut jobs = shared.lock();
            if let Some(entry) = jobs.entries.get_mut(id) {
                entry.stage = record.stage;
                entry.iteration = record.iteration;
                entry.iterations = p.max_iterations();
                entry.loss = Some(record.loss);
                if preview.is_some() {
                    entry.preview = preview;
                }
            }
        }
        // The streams throttle themselves; waking them costs little.
        if new_stage || last || last_sent.elapsed().as_millis() >= 50 {
            last_sent = Instant::now();
            shared.notify();
        }
        if cancel.load(Ordering::SeqCst) {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    run::execute_watched(job, Mode::InBatch, networks, &mut watch)
        .map_err(|e| one_line(&e.to_string()))?;
    Ok(if cancel.load(Ordering::SeqCst) {
        State::Cancelled
    } else {
        State::Done
    })
}
