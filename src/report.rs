//! The run report: the resolved configuration, one record per iteration, and how the run
//! ended — the JSON the `impasto` command writes with `--report`.

use std::collections::BTreeMap;
use std::path::Path;

use impasto_loss::{LossWeights, TermScales, TermWeights};
use impasto_optim::Termination;
use serde::{Deserialize, Serialize};

use crate::ImpastoError;
use crate::image_io::write_atomically;
use crate::transfer::StageMemory;

/// One iteration of a run, as the JSON report records it.
///
/// Record 0 is the evaluation at the initial image (`step` 0); record k the iterate after
/// the k-th iteration. Every loss is read at that iterate. In a multi-scale run each
/// stage begins with a record of its starting image (the previous stage's result,
/// resized), which carries the previous record's iteration number: iterations and
/// evaluations count across the whole run, and `stage` tells the size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationReport {
    /// The stage (index into [`ResolvedConfig::stages`]; 0 in a single-scale run).
    #[serde(default)]
    pub stage: usize,
    /// Iterations completed in the run (0 for the initial image).
    pub iteration: usize,
    /// Loss evaluations (one VGG forward and backward each) so far in the run, the
    /// initial one included.
    pub evaluations: usize,
    /// The total loss `L = α L_c + β L_s + γ L_tv` (`+ λ_t L_t` with a temporal term).
    pub loss: f64,
    /// The content loss `L_c`, unweighted (0 without a content term).
    pub content: f64,
    /// The style loss `L_s = Σ w_l E_l`, without β (0 without a style term).
    pub style: f64,
    /// Each style layer's `E_l`, by layer name (empty without a style term).
    pub style_per_layer: BTreeMap<String, f64>,
    /// The total variation `L_tv`, unweighted.
    pub tv: f64,
    /// The temporal loss `L_t` of a video frame (Ruder et al.), unweighted; 0 without a
    /// temporal term (and in reports written before it existed).
    #[serde(default)]
    pub temporal: f64,
    /// ‖∇L‖₂, the L2 norm of the gradient with respect to every pixel.
    pub grad_norm: f64,
    /// The step length of this iteration (0 at a stage's first record).
    pub step: f64,
    /// Milliseconds since the optimisation started (after the first stage's targets were
    /// computed; later stages' target computations included).
    pub elapsed_ms: f64,
}

/// What a run was asked to do, resolved: every default filled in, image sizes known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedConfig {
    /// `transfer`, `reconstruct_content` or `reconstruct_style`.
    pub task: String,
    /// The content image (a path, or a description of an in-memory image); `None` for a
    /// style reconstruction.
    pub content: Option<String>,
    /// The style images with their blend weights (normalised to sum to 1).
    pub styles: Vec<StyleReport>,
    /// Where the network's weights came from: a path, or `random`.
    pub weights: String,
    /// Whether the network has random (untrained) weights.
    pub random_weights: bool,
    /// `vgg16` or `vgg19`.
    #[serde(default)]
    pub architecture: String,
    /// The input convention of the weights: `torchvision` or `caffe`.
    #[serde(default)]
    pub input_convention: String,
    /// How the convention was decided: `stated`, the file's evidence (its name or its
    /// metadata), `random weights`, or `assumed` when nothing told.
    #[serde(default)]
    pub input_convention_from: String,
    /// The requested longest side, pixels.
    pub size: u32,
    /// The optimised image's `[width, height]`.
    pub image_size: [u32; 2],
    /// Style images are resized to `style_scale × size` on their longest side.
    pub style_scale: f64,
    /// Iteration limit.
    pub iterations: usize,
    /// `noise`, `content`, `style` or the initial image's path.
    pub init: String,
    /// Seed of the noise initialisation and of random weights.
    pub seed: u64,
    /// How the terms were weighed, as asked: a balance's ratios, or fixed α, β, γ. The
    /// α, β, γ each stage resolved are in [`stages`](Self::stages).
    pub loss_weights: LossWeights,
    /// Content layers (empty when there is no content term).
    pub content_layers: Vec<String>,
    /// Style layers (empty when there is no style term).
    pub style_layers: Vec<String>,
    /// The per-layer style weights `w_l` in effect.
    pub style_layer_weights: Vec<f64>,
    /// `lbfgs`, `gd` or `adam`, with its settings.
    pub optimizer: OptimizerReport,
    /// `max` or `avg`.
    pub pooling: String,
    /// Whether the result takes the content image's chroma after the run (`colors` is
    /// `photo` or `luminance`).
    pub original_colors: bool,
    /// Which colours the result has: `style`, `photo`, `luminance` or `histogram`
    /// ([`Colors`](crate::transfer::Colors)). Reports written before the option existed
    /// read as `style`, or `photo` by their `original_colors`.
    #[serde(default)]
    pub colors: String,
    /// How the pixels were kept in [0, 1]: `box`, `sigmoid`, `penalty` or `none`
    /// ([`PixelBounds`](crate::transfer::PixelBounds)). Reports written before the option
    /// existed read as `none`, which is what those runs did.
    #[serde(default = "unbounded")]
    pub bounds: String,
    /// The device the run used, as burn names it.
    pub device: String,
    /// The run's stages, coarse to fine (one in a single-scale run), with the α, β, γ
    /// each used. `size`, `image_size` and `iterations` above are the last stage's.
    pub stages: Vec<StageReport>,
    /// λ_t, the temporal term's coefficient as used (a video frame after the first);
    /// absent without a temporal term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_weight: Option<f64>,
    /// The memory budget the run kept to, bytes; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_bytes: Option<u64>,
}

/// One stage of a run, as resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// The longest side asked for.
    pub size: u32,
    /// The optimised image's `[width, height]`.
    pub image_size: [u32; 2],
    /// The stage's iteration limit.
    pub iterations: usize,
    /// The index in [`RunReport::records`] of the stage's first record.
    pub first_record: usize,
    /// α, β, γ at this stage (a balance sets them per size).
    pub weights: TermWeights,
    /// The terms' scales a balance measured at this stage; absent with fixed weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scales: Option<TermScales>,
    /// Whether the stage was tiled, its L-BFGS history and its predicted peak memory
    /// under the budget ([`ResolvedConfig::max_memory_bytes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<StageMemory>,
    /// The process's peak resident memory at the stage's end, bytes (`VmHWM`, the most
    /// since the process started: the stage that raised it is the one whose peak it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

/// One style image of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleReport {
    /// Its path, or a description of an in-memory image.
    pub image: String,
    /// Its blend weight, normalised so that a run's weights sum to 1.
    pub weight: f64,
    /// Its `[width, height]` after resizing.
    pub size: [u32; 2],
    /// Where it painted, if not everywhere: its mask's path, or `region k of n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
}

/// The optimizer of a run and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerReport {
    /// `lbfgs`, `gd` or `adam`.
    pub name: String,
    /// L-BFGS history size `m`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub history: Option<usize>,
    /// L-BFGS line search: `none`, `strong-wolfe` or `armijo`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line_search: Option<String>,
    /// The fixed step (L-BFGS without line search) or learning rate (gd, adam).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub learning_rate: Option<f64>,
    /// L-BFGS evaluation limit.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_evaluations: Option<usize>,
}

/// The report's stable name of a termination (what [`RunReport::termination`] holds).
pub(crate) fn termination_name(termination: Termination) -> &'static str {
    match termination {
        Termination::ConvergedGradient => "converged_gradient",
        Termination::ConvergedChange => "converged_change",
        Termination::MaxIterations => "max_iterations",
        Termination::MaxEvaluations => "max_evaluations",
        Termination::LineSearchFailed => "line_search_failed",
        Termination::NonFiniteLoss => "non_finite_loss",
        Termination::Stopped => "stopped",
    }
}

/// Everything a run did: [`StyleTransfer::run`](crate::StyleTransfer::run)'s report, and the
/// JSON the command writes with `--report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The version of impasto that ran.
    pub impasto_version: String,
    /// The configuration, resolved.
    pub config: ResolvedConfig,
    /// One record per iteration, record 0 at the initial image.
    pub records: Vec<IterationReport>,
    /// How the run ended: `converged_gradient`, `converged_change`, `max_iterations`,
    /// `max_evaluations`, `line_search_failed`, `non_finite_loss` or `stopped`.
    pub termination: String,
    /// The same, as a sentence.
    pub termination_message: String,
    /// The iteration whose image is the result: the lowest loss seen in the last stage
    /// (losses at different sizes are not comparable).
    pub best_iteration: usize,
    /// Loss evaluations in all.
    pub evaluations: usize,
    /// Milliseconds from the start of the run (images loaded, network built, targets
    /// computed, optimisation) to its end.
    pub duration_ms: f64,
    /// The process's peak resident memory at the run's end, bytes (Linux's `VmHWM`: the
    /// most since the process started, so a program that ran larger work before shows
    /// that); against each stage's `memory.predicted_peak_bytes`. Absent where it cannot
    /// be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

impl RunReport {
    /// The record of the best iteration, the one whose image the run returns. Searched
    /// from the end: iteration numbers restart with each stage of a multi-scale run and
    /// the best is in the last stage. `None` only for a report without that record.
    pub fn best_record(&self) -> Option<&IterationReport> {
        self.records
            .iter()
            .rev()
            .find(|r| r.iteration == self.best_iteration)
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// Parses a report written by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`ImpastoError::ReportParse`] if the text is not such a report.
    pub fn from_json(text: &str) -> Result<Self, ImpastoError> {
        from_json(text)
    }

    /// Writes the JSON report to `path` atomically (a temporary file, then a rename): the
    /// path holds either the whole report or nothing new.
    ///
    /// # Errors
    /// [`ImageError::Write`](crate::error::ImageError::Write) if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ImpastoError> {
        save_json(self, path.as_ref())
    }
}

/// A report as pretty-printed JSON (reports are plain data: serialising cannot fail).
pub(crate) fn to_json(report: &impl Serialize) -> String {
    serde_json::to_string_pretty(report).expect("a report is plain data")
}

/// A report parsed from JSON, or [`ImpastoError::ReportParse`].
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ImpastoError> {
    serde_json::from_str(text).map_err(|error| ImpastoError::ReportParse {
        reason: error.to_string(),
    })
}

/// A report's JSON written to `path` atomically, with a final newline.
pub(crate) fn save_json(report: &impl Serialize, path: &Path) -> Result<(), ImpastoError> {
    let mut text = to_json(report);
    text.push('\n');
    write_atomically(path, text.as_bytes())
}

/// The bounds of a report written before `bounds` existed.
fn unbounded() -> String {
    "none".to_string()
}
