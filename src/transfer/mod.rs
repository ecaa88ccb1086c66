//! The style-transfer pipeline: what to optimise ([`StyleTransfer`]), and its two
//! reconstruction experiments.

mod forecast;
mod inputs;
mod memory;
mod network_cache;
mod next_start;
mod observe;
mod optimizer;
mod pixel_bounds;
mod plan;
mod resolved;
pub(crate) mod run;
mod settings;
mod stage;
mod stages;
mod style_regions;
mod style_transfer;
mod temporal;
mod upscaled;

pub use crate::color_match::{ColorMatch, Colors, color_statistics, match_colors};
pub use crate::image_io::Mask;
pub use forecast::{Calibration, Forecast, StageForecast};
/// How the loss weighs its terms, the balance's defaults, and what it resolves to.
pub use impasto_loss::{
    DEFAULT_STYLE_STRENGTH, DEFAULT_TV_STRENGTH, LossWeights, TermScales, TermWeights,
};
pub use inputs::{ImageInput, Init};
pub use memory::{
    MIN_HISTORY, MIN_TILE_CORE, StageMemory, Tiling, default_memory_budget, format_bytes,
    measured_peak_bytes, parse_bytes,
};
pub use network_cache::NetworkCache;
pub use observe::{Progress, TransferObserver};
pub use optimizer::OptimizerConfig;
pub use pixel_bounds::PixelBounds;
pub use plan::Plan;
pub use run::TransferOutput;
pub use stages::{
    COARSEST_ITERATIONS, COARSEST_MIN_SIZE, MAX_SIZE, Schedule, Stage, default_schedule,
    scale_iterations, schedule,
};
pub use style_regions::StyleRegions;
pub use style_transfer::{DEFAULT_ITERATIONS, DEFAULT_SIZE, StyleTransfer, Task};
pub use temporal::{DEFAULT_TEMPORAL_WEIGHT, TemporalTerm};
