//! The video report: the settings, and one record per frame — the JSON `impasto video
//! --report` writes (atomically, after every frame, so that an interrupted run keeps the
//! records of the frames it finished).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ImpastoError;
use crate::transfer::StageMemory;

/// What a video run was asked to do, resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoConfigReport {
    /// The input frames' pattern.
    pub frames: String,
    /// The output frames' pattern.
    pub output: String,
    /// The frame number of the first frame written (the sequence's first, or a range's).
    pub first_index: u64,
    /// How many frames are written: the sequence's, or a range's (lead-in excluded).
    pub frame_count: usize,
    /// The style images.
    pub styles: Vec<String>,
    /// Where the network's weights came from: a path, or `random`.
    pub weights: String,
    /// Whether the network has random (untrained) weights.
    pub random_weights: bool,
    /// The frames' longest side as stylised, pixels.
    pub size: u32,
    /// The stylised frames' `[width, height]`.
    pub image_size: [u32; 2],
    /// The first frame's iterations, one per stage (coarse to fine).
    pub iterations_first: Vec<usize>,
    /// The iterations of every later frame (one stage, at `size`).
    pub iterations: usize,
    /// The temporal weight as given: ρ_t relative to the content term's scale when
    /// `temporal_weight_relative`, else the coefficient λ_t itself.
    pub temporal_weight: f64,
    /// Whether `temporal_weight` is relative (the loss is balanced).
    pub temporal_weight_relative: bool,
    /// The optical flow method.
    pub flow: String,
    /// Seed of random weights and noise.
    pub seed: u64,
    /// The memory budget every frame kept to, bytes (`--max-memory`, or the default
    /// budget); `None` where there was none. A frame that does not fit whole is tiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_bytes: Option<u64>,
}

/// One frame of a video run.
///
/// The loss fields are the result's (the best point of the frame's last stage), `None`
/// for a skipped frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// The frame's number (as in its file name).
    pub index: u64,
    /// The input frame.
    pub input: String,
    /// The output frame.
    pub output: String,
    /// `true` when the output already existed and was kept (a resumed run).
    pub skipped: bool,
    /// Iterations run (0 when skipped).
    pub iterations: usize,
    /// Loss evaluations (0 when skipped).
    pub evaluations: usize,
    /// The loss at the frame's starting image (record 0 of its run).
    pub initial_loss: Option<f64>,
    /// The total loss of the result (`+ λ_t L_t` after the first frame).
    pub loss: Option<f64>,
    /// `L_c`, unweighted.
    pub content: Option<f64>,
    /// `L_s`, unweighted.
    pub style: Option<f64>,
    /// `L_tv`, unweighted.
    pub tv: Option<f64>,
    /// `L_t`, unweighted (0 for the first frame, which has no temporal term).
    pub temporal: Option<f64>,
    /// λ_t as used (`None` for the first frame and skipped frames).
    pub temporal_weight: Option<f64>,
    /// The fraction of pixels whose flow is reliable (c = 1), after the first frame.
    pub reliable_fraction: Option<f64>,
    /// How the frame's optimisation ended (the run report's stable name).
    pub termination: Option<String>,
    /// Seconds spent on the frame (flow, optimisation, writing).
    pub seconds: f64,
    /// How the frame's last stage ran in memory (its tiles, if the frame did not fit the
    /// budget whole, its L-BFGS history and its predicted peak); `None` when skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<StageMemory>,
    /// The process's peak resident memory at the frame's end, bytes (`VmHWM`: the most
    /// since the process started); `None` when skipped or where it cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

/// Everything a video run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoReport {
    /// The version of impasto that ran.
    pub impasto_version: String,
    /// The settings.
    pub config: VideoConfigReport,
    /// One record per frame handled, in order.
    pub frames: Vec<FrameRecord>,
    /// Whether the run was stopped before its last frame.
    pub stopped: bool,
    /// Milliseconds from the start of the run.
    pub duration_ms: f64,
}

impl VideoReport {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        crate::report::to_json(self)
    }

    /// Parses a report written by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`ImpastoError::ReportParse`] if the text is not such a report.
    pub fn from_json(text: &str) -> Result<Self, ImpastoError> {
        crate::report::from_json(text)
    }

    /// Writes the JSON report to `path` atomically.
    ///
    /// # Errors
    /// [`ImageError::Write`](crate::error::ImageError::Write) if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ImpastoError> {
        crate::report::save_json(self, path.as_ref())
    }
}
