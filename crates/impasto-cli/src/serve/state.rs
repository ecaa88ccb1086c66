//! The jobs the server knows: their states, the queue the worker takes them from, and
//! the ids that name their folders.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use image::RgbImage;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::args::TransferArgs;

/// A finished job's files, in its folder.
pub const RESULT: &str = "result.png";
/// The run's report (written before the image, so the image means both exist).
pub const REPORT: &str = "report.json";
/// The settings and the time of submission.
pub const SETTINGS: &str = "settings.json";
/// Left by a cancelled job, so that a restarted server lists it as cancelled.
pub const CANCELLED: &str = "cancelled";
/// Left by a failed job: its error sentence, listed again after a restart.
pub const FAILED: &str = "error.txt";
/// Why an unfinished job found in the folder on start failed.
pub const STOPPED_BEFORE: &str = "the server stopped before the job finished";

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting its turn.
    Queued,
    /// On the worker.
    Running,
    /// `result.png` and `report.json` are written.
    Done,
    /// Its error says why.
    Failed,
    /// Cancelled before it ran, or stopped while running; its result is not kept.
    Cancelled,
}

impl State {
    /// Its name in the API.
    pub fn name(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
        }
    }

    /// Whether nothing more will happen to the job.
    pub fn finished(self) -> bool {
        matches!(self, State::Done | State::Failed | State::Cancelled)
    }
}

/// One job.
pub struct Entry {
    /// Where it is.
    pub state: State,
    /// Seconds since 1970 when it was submitted.
    pub created: u64,
    /// The result's longest side in pixels.
    pub size: u32,
    /// The current stage (scale), from 0.
    pub stage: usize,
    /// The current iteration, counted over all stages.
    pub iteration: usize,
    /// The iterations of all stages.
    pub iterations: usize,
    /// The current loss.
    pub loss: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The latest preview while running (encoded as PNG only when asked for, so the
    /// worker does not spend its time on it).
    pub preview: Option<Arc<RgbImage>>,
    /// Set by a cancel; the running job's observer stops at the next iteration.
    pub cancel: Arc<AtomicBool>,
    /// The parsed job, until the worker takes it.
    pub args: Option<Box<TransferArgs>>,
}

impl Entry {
    /// A job that has not run.
    pub fn queued(created: u64, size: u32, iterations: usize, args: Box<TransferArgs>) -> Self {
        Entry {
            state: State::Queued,
            created,
            size,
            stage: 0,
            iteration: 0,
            iterations,
            loss: None,
            error: None,
            preview: None,
            cancel: Arc::new(AtomicBool::new(false)),
            args: Some(args),
        }
    }
}

/// The jobs and the queue, behind one lock.
#[derive(Default)]
pub struct Jobs {
    /// Every job by id.
    pub entries: HashMap<String, Entry>,
    /// The ids of queued jobs, in submission order.
    pub queue: VecDeque<String>,
}

/// What the handlers and the worker share.
pub struct Shared {
    /// The jobs folder.
    pub dir: PathBuf,
    jobs: Mutex<Jobs>,
    /// Wakes the worker when a job is queued.
    pub wake: Condvar,
    /// Bumped at every change of any job; event streams wait on it.
    pub changed: watch::Sender<u64>,
    counter: AtomicU64,
    started: u64,
}

impl Shared {
    /// An empty server over `dir`.
    pub fn new(dir: PathBuf) -> Self {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Shared {
            dir,
            jobs: Mutex::new(Jobs::default()),
            wake: Condvar::new(),
            changed: watch::Sender::new(0),
            counter: AtomicU64::new(0),
            started,
        }
    }

    /// The jobs, locked. A panic while the lock was held leaves plain data behind, which
    /// is still consistent enough to serve: the lock is taken anyway.
    pub fn lock(&self) -> MutexGuard<'_, Jobs> {
        self.jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Tells the event streams that something changed.
    pub fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A fresh id whose folder does not exist yet: the start time and a counter, mixed
    /// by a bijection (splitmix64's finaliser) so distinct inputs give distinct ids.
    pub fn new_id(&self) -> String {
        loop {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let id = format!("{:016x}", mix(self.started.wrapping_add(n)));
            if !self.dir.join(&id).exists() && !self.lock().entries.contains_key(&id) {
                return id;
            }
        }
    }

    /// The folder of job `id` (a valid id: see [`valid_id`]).
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Lists again the jobs an earlier server left in the folder: finished ones as
    /// done, cancelled ones as cancelled, the rest as failed (nothing runs them now).
    pub fn restore(&self) {
        let Ok(folders) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut jobs = self.lock();
        for folder in folders.flatten() {
            let name = folder.file_name().to_string_lossy().into_owned();
            if !valid_id(&name) || !folder.path().is_dir() {
                continue;
            }
            let path = folder.path();
            remove_partials(&path);
            let (created, size) = read_settings(&path);
            let (state, error) = if path.join(RESULT).is_file() && path.join(REPORT).is_file() {
                (State::Done, None)
            } else if path.join(CANCELLED).is_file() {
                (State::Cancelled, None)
            } else if let Ok(error) = std::fs::read_to_string(path.join(FAILED)) {
                (State::Failed, Some(error.trim().to_owned()))
            } else {
                (State::Failed, Some(STOPPED_BEFORE.to_owned()))
            };
            jobs.entries.insert(
                name,
                Entry {
                    state,
                    created,
                    size,
                    stage: 0,
                    iteration: 0,
                    iterations: 0,
                    loss: None,
                    error,
                    preview: None,
                    cancel: Arc::new(AtomicBool::new(false)),
                    args: None,
                },
            );
        }
    }
}

/// Removes the temporary files (`.NAME.PID.partial`) a server killed mid-write left in a
/// job's folder: files are renamed into place whole, so these are never a job's files.
fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".partial") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// splitmix64's output function: a bijection on 64-bit numbers.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether `id` is a job id: 16 lowercase hex digits, so it can only name a folder
/// directly inside the jobs folder.
pub fn valid_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The time and size a job's settings.json records (0 where it is missing or damaged).
fn read_settings(dir: &Path) -> (u64, u32) {
    let value: Value = std::fs::read(dir.join(SETTINGS))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    let created = value.get("created").and_then(Value::as_u64).unwrap_or(0);
    let size = value
        .get("size")
        .and_then(Value::as_u64)
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0);
    (created, size)
}

/// What `GET /api/jobs/{id}` answers for `entry`.
pub fn status_json(jobs: &Jobs, id: &str, entry: &Entry) -> Value {
    let position = jobs.queue.iter().position(|queued| queued == id);
    json!({
        "id": id,
        "state": entry.state.name(),
        "stage": entry.stage,
        "iteration": entry.iteration,
        "iterations": entry.iterations,
        "loss": entry.loss.filter(|l| l.is_finite()),
        "error": entry.error,
        "position": position,
    })
}

/// The seconds since 1970, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sixteen_lowercase_hex_digits_and_distinct() {
        let dir = std::env::temp_dir().join(format!("impasto-serve-ids-{}", std::process::id()));
        let shared = Shared::new(dir);
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| shared.new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| valid_id(id)));
        for bad in [
            "",
            "0123456789abcde",
            "0123456789abcdef0",
            "0123456789ABCDEF",
            "../../etc/passw",
            "0123456789abcde/",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
