//! Ctrl-C: the first press asks the run to stop after the current iteration (the best
//! image so far, the report and the plot are still written); the second exits at once
//! with status 130, leaving no partial file behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use impasto::image::partial_file_path;

/// The exit status after a second Ctrl-C: 128 + SIGINT, as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// What the handler shares with the run.
struct State {
    /// Ctrl-C presses so far.
    presses: AtomicUsize,
    /// Files being or to be written atomically: their temporary files are removed on exit.
    outputs: Mutex<Vec<PathBuf>>,
    /// Held while a file is written, so that the exit waits for a write in progress (a
    /// few milliseconds) and no write starts after it.
    writing: Mutex<()>,
    /// Prints a notice (above the progress bar, if there is one).
    notify: Box<dyn Fn(&str) + Send + Sync>,
    /// What the first press does, as the notice says it.
    first_press: &'static str,
}

static STATE: OnceLock<State> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the first Ctrl-C does in a transfer or reconstruction.
pub const STOP_AFTER_ITERATION: &str = "interrupted: stopping after the current iteration; the \
    best image so far will be written (press Ctrl-C again to quit at once, writing nothing more)";

/// Installs the Ctrl-C handler; `outputs` are the files the run will write, `notify`
/// prints what Ctrl-C does, `first_press` is the notice of the first press. If no handler can be installed, Ctrl-C keeps its default
/// effect (ending the program; atomic writes still leave no partial output) and the
/// error is returned, to be shown as a warning.
pub fn install(
    outputs: Vec<PathBuf>,
    notify: Box<dyn Fn(&str) + Send + Sync>,
    first_press: &'static str,
) -> Result<(), String> {
    let state = State {
        presses: AtomicUsize::new(0),
        outputs: Mutex::new(outputs),
        writing: Mutex::new(()),
        notify,
        first_press,
    };
    if STATE.set(state).is_err() {
        return Err("the Ctrl-C handler is already installed".into());
    }
    ctrlc::set_handler(on_interrupt).map_err(|error| error.to_string())
}

fn on_interrupt() {
    let Some(state) = STATE.get() else { return };
    let presses = state.presses.fetch_add(1, Ordering::SeqCst) + 1;
    if presses == 1 {
        (state.notify)(state.first_press);
        return;
    }
    let _no_more_writes = lock(&state.writing);
    for path in lock(&state.outputs).iter() {
        let _ = std::fs::remove_file(partial_file_path(path));
    }
    (state.notify)("interrupted again: quitting; no partial file was left");
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}

/// Whether Ctrl-C was pressed.
pub fn stop_requested() -> bool {
    STATE
        .get()
        .is_some_and(|state| state.presses.load(Ordering::SeqCst) > 0)
}

/// Runs `write`, which writes `path` atomically, such that a second Ctrl-C either waits
/// for it to finish or comes before it starts, and removes its temporary file.
pub fn writing<T>(path: &Path, write: impl FnOnce() -> T) -> T {
    let Some(state) = STATE.get() else {
        return write();
    };
    {
        let mut outputs = lock(&state.outputs);
        if !outputs.iter().any(|p| p == path) {
            outputs.push(path.to_path_buf());
        }
    }
    let _guard = lock(&state.writing);
    write()
}
