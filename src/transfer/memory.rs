//! How much memory a stage takes, and how a run fits a budget: the evaluation whole or
//! tile by tile ([`TotalLoss::evaluate_tiled`](impasto_loss::TotalLoss::evaluate_tiled)),
//! and the L-BFGS history.
//!
//! # The model
//!
//! The peak resident memory of a stage of `P` pixels, in bytes:
//!
//! - whole: `F + a·A·P + h·k·P`;
//! - tiled: `F + a_t·A·T + (w + h·k)·P`, `T` the largest tile's pixels with its halo;
//!
//! where `A` is the network's activations per input pixel (266 floats for VGG16 to
//! relu5_1: 64 + 64 at full size, 2 × 128 at ¼, …), `a` the bytes an evaluation holds per
//! activation (the forward pass's kept activations and the backward pass's transients),
//! `k` the L-BFGS pairs the stage will hold (its history `m`, or its iterations if fewer)
//! at `h` bytes per pixel each (`s` and `y`), `w` what a tiled run keeps for the whole
//! image beside the tiles (the gradient the tiles add into, the content target, the
//! optimizer's iterate, gradient, direction and trial point, which in a whole evaluation
//! fit within its transients), `a_t` a tile's bytes per activation (tiles of a few shapes
//! leave the allocator a different slack than one size does) and `F` what does not grow
//! with the picture (the program, the weights, the allocator's kept pages). The constants
//! were fitted to peaks measured with `/usr/bin/time -v` on the project's VM: `F` and
//! `a·A + h·m` to default runs at 512, 1024 and 2048 px, `h` to two vectors of three
//! floats per pixel (`s` and `y`: 24 bytes), `a_t` to tiled evaluations at 1024 and 8192
//! px, `w` to a default 4096-px run whose last scale was tiled (docs/benchmarks.md, "Print
//! size: memory and time", has each fit and the runs that checked it).
//!
//! # Fitting a budget
//!
//! A stage runs whole where that fits. Otherwise it is tiled with the largest cores that
//! fit, chosen so that the network sees the fewest pixels over all tiles; tiling costs
//! time (a forward pass more per tile, and the halos), not exactness. Where cores of
//! [`PREFERRED_TILE_CORE`] pixels do not fit beside the L-BFGS history, the history is
//! shortened first, down to [`MIN_HISTORY`] (fewer pairs cost a long stage iterations;
//! the default schedule's last stage runs 10); only then are the cores made smaller,
//! down to [`MIN_TILE_CORE`].

use impasto_loss::tiles::{alignment, halo};
use impasto_vgg::{VggArchitecture, VggLayer};
use serde::{Deserialize, Serialize};

use crate::ImpastoError;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// `F`: bytes that do not grow with the picture.
const FIXED_BYTES: f64 = 0.52 * GIB;
/// `a`: bytes a whole evaluation holds per activation float of the network.
const BYTES_PER_ACTIVATION: f64 = 5.74;
/// `a_t`: bytes a tile's evaluation holds per activation float.
const BYTES_PER_TILE_ACTIVATION: f64 = 5.72;
/// `h`: bytes per pixel of one L-BFGS pair.
const BYTES_PER_HISTORY_PAIR: f64 = 24.0;
/// `w`: bytes per pixel a tiled run keeps for the whole image beside the tiles.
const TILED_BYTES_PER_PIXEL: f64 = 99.0;
/// The share of the budget a stage is planned to, so that the model's error rarely
/// carries a run past the budget: 95 % let a 4096-px run that the model put at 7.43 GiB
/// reach 7.89 GiB under a 7.8-GiB budget (docs/benchmarks.md, "Print size: memory and
/// time"), so 90 %.
const PLANNED_SHARE: f64 = 0.9;
/// The smallest tile cores a budget may choose, pixels: below it the halos cost more
/// than the cores (64-pixel halos on a 256-pixel core already see 2.25× its pixels).
pub const MIN_TILE_CORE: usize = 256;
/// The cores a budget prefers to shorten the L-BFGS history for, pixels.
pub const PREFERRED_TILE_CORE: usize = 768;
/// The shortest L-BFGS history a budget may choose.
pub const MIN_HISTORY: usize = 3;

/// A stage's memory: how it runs and what it is predicted to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageMemory {
    /// The stage's image, `[width, height]`.
    pub image_size: [u32; 2],
    /// The tiles, where the evaluation is tiled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiles: Option<Tiling>,
    /// The L-BFGS history `m` the stage uses (`None` for another optimizer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<usize>,
    /// The predicted peak resident memory of the process during the stage, bytes.
    pub predicted_peak_bytes: u64,
}

/// How a stage's evaluation is cut into tiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tiling {
    /// The cores' side, pixels.
    pub core: usize,
    /// The halo around each core, pixels.
    pub halo: usize,
    /// How many tiles.
    pub count: usize,
    /// The pixels the network sees over all tiles, against the image's: the time an
    /// evaluation's passes take grows with it.
    pub input_pixels: usize,
}

/// What the model needs of the network.
#[derive(Debug, Clone)]
pub(crate) struct NetworkShape {
    /// `A`: activations per input pixel, up to the deepest layer used.
    activations_per_pixel: f64,
    halo: usize,
    align: u32,
}

impl NetworkShape {
    /// The shape of `architecture` run to the deepest of `layers`.
    pub(crate) fn new(architecture: VggArchitecture, layers: &[VggLayer]) -> Self {
        let network = architecture.layers();
        let deepest = layers.iter().max().copied();
        let activations_per_pixel = network
            .iter()
            .filter(|l| deepest.is_some_and(|d| **l <= d))
            .filter(|l| l.kind() == impasto_vgg::LayerKind::Conv)
            .map(|l| l.channels() as f64 / 4f64.powi(l.downsamplings() as i32))
            .sum();
        Self {
            activations_per_pixel,
            halo: halo(&network, layers),
            align: alignment(layers),
        }
    }

    fn evaluation_bytes(&self, pixels: f64) -> f64 {
        BYTES_PER_ACTIVATION * self.activations_per_pixel * pixels
    }

    fn tile_bytes(&self, pixels: f64) -> f64 {
        BYTES_PER_TILE_ACTIVATION * self.activations_per_pixel * pixels
    }
}

/// The L-BFGS pairs a stage holds: its history, or its iterations if fewer (a pair per
/// iteration); none for another optimizer.
fn history_bytes(history: Option<usize>, iterations: usize, pixels: f64) -> f64 {
    let pairs = history.unwrap_or(0).min(iterations);
    BYTES_PER_HISTORY_PAIR * pairs as f64 * pixels
}

/// The stage's memory under `budget` bytes (`None`: no limit, the stage runs whole), for
/// an image of `[width, height]`, `iterations` iterations and an optimizer with L-BFGS
/// history `history`.
///
/// # Errors
/// [`ImpastoError::MemoryBudget`] if not even the smallest tiles and history fit.
pub(crate) fn fit_stage(
    image_size: [u32; 2],
    (network, iterations): (&NetworkShape, usize),
    history: Option<usize>,
    budget: Option<u64>,
) -> Result<StageMemory, ImpastoError> {
    let [width, height] = image_size.map(|s| s as usize);
    let pixels = (width * height) as f64;
    let whole = |m: Option<usize>| {
        FIXED_BYTES + network.evaluation_bytes(pixels) + history_bytes(m, iterations, pixels)
    };
    let stage = |tiles: Option<Tiling>, m: Option<usize>, peak: f64| StageMemory {
        image_size,
        tiles,
        history: m,
        predicted_peak_bytes: peak.ceil() as u64,
    };
    let Some(budget) = budget else {
        return Ok(stage(None, history, whole(history)));
    };
    let planned = PLANNED_SHARE * budget as f64;
    if whole(history) <= planned {
        return Ok(stage(None, history, whole(history)));
    }
    let histories: Vec<Option<usize>> = match history {
        Some(m) => (MIN_HISTORY.min(m)..=m).rev().map(Some).collect(),
        None => vec![None],
    };
    let align = 1usize << network.align;
    // Comfortable tiles with the longest history that allows them, before small tiles:
    // tiles of 256 px see 2.25 times their pixels with their halos, of 768 px 1.36 times,
    // and a shorter history costs a long stage some iterations, a short one nothing.
    let attempts = [PREFERRED_TILE_CORE, MIN_TILE_CORE]
        .into_iter()
        .flat_map(|core| histories.iter().map(move |&m| (core, m)));
    for (smallest_core, m) in attempts {
        let kept =
            FIXED_BYTES + (TILED_BYTES_PER_PIXEL * pixels) + history_bytes(m, iterations, pixels);
        let left = planned - kept;
        if left <= 0.0 {
            continue;
        }
        // The largest square input that fits, less its halos, on the stride's grid.
        let side = (left / network.tile_bytes(1.0)).sqrt();
        let largest = ((side as usize).saturating_sub(2 * network.halo) / align) * align;
        if largest < smallest_core.min(width.max(height).next_multiple_of(align)) {
            continue;
        }
        let (tiling, largest_input) =
            balanced_tiling([height, width], largest, network.halo, align);
        let peak = kept + network.tile_bytes(largest_input as f64);
        return Ok(stage(Some(tiling), m, peak));
    }
    let smallest = history.map(|m| m.min(MIN_HISTORY));
    let needed = least_tiled_peak((network, iterations), [width, height], smallest);
    Err(ImpastoError::MemoryBudget {
        image_size,
        needed: (needed / PLANNED_SHARE).ceil() as u64,
        budget,
    })
}

/// `stage` tiled with cores of exactly `core` pixels (a multiple of the stride), its peak
/// predicted again: [`StyleTransfer::with_tile_core`](crate::StyleTransfer::with_tile_core).
pub(crate) fn with_core(
    stage: StageMemory,
    (network, iterations): (&NetworkShape, usize),
    core: usize,
) -> StageMemory {
    let [width, height] = stage.image_size.map(|s| s as usize);
    if width.max(height) <= core {
        return stage;
    }
    let pixels = (width * height) as f64;
    let (tiling, largest_input) = balanced_tiling([height, width], core, network.halo, core);
    let peak = FIXED_BYTES
        + TILED_BYTES_PER_PIXEL * pixels
        + history_bytes(stage.history, iterations, pixels)
        + network.tile_bytes(largest_input as f64);
    StageMemory {
        tiles: Some(tiling),
        predicted_peak_bytes: peak.ceil() as u64,
        ..stage
    }
}

/// The peak of a stage tiled with the smallest cores and history `history`: the least it
/// can take.
fn least_tiled_peak(
    (network, iterations): (&NetworkShape, usize),
    [width, height]: [usize; 2],
    history: Option<usize>,
) -> f64 {
    let pixels = (width * height) as f64;
    let core = MIN_TILE_CORE.min(width.max(height));
    let input = (core + 2 * network.halo).pow(2) as f64;
    FIXED_BYTES
        + network.tile_bytes(input)
        + TILED_BYTES_PER_PIXEL * pixels
        + history_bytes(history, iterations, pixels)
}

/// Cores no larger than `largest` (a multiple of `align`) that give the network the
/// fewest pixels over all tiles (the time of an evaluation follows them): the tiling and
/// its largest tile's input pixels. A core slightly smaller than the largest often avoids
/// a sliver of a last row whose halo costs as much as a whole tile.
fn balanced_tiling(size: [usize; 2], largest: usize, halo: usize, align: usize) -> (Tiling, usize) {
    let tiling = |core: usize| {
        let cuts = |extent: usize| {
            (0..extent.div_ceil(core)).map(move |i| {
                let (start, end) = (i * core, ((i + 1) * core).min(extent));
                (end + halo).min(extent) - start.saturating_sub(halo)
            })
        };
        let (mut count, mut input_pixels, mut largest_input) = (0, 0, 0);
        for rows in cuts(size[0]) {
            for columns in cuts(size[1]) {
                count += 1;
                input_pixels += rows * columns;
                largest_input = largest_input.max(rows * columns);
            }
        }
        let tiling = Tiling {
            core,
            halo,
            count,
            input_pixels,
        };
        (tiling, largest_input)
    };
    let smallest = (largest / 2).max(align);
    (smallest..=largest)
        .rev()
        .step_by(align)
        .map(tiling)
        .min_by_key(|(t, _)| t.input_pixels)
        .expect("largest is at least align")
}

/// The default budget: a third of the machine's memory (`/proc/meminfo`'s `MemTotal`),
/// leaving the rest to the machine's other work; no budget where that cannot be read.
/// A third keeps a 4096-pixel run of the project's 24-GiB VM to 8 GiB by tiling it,
/// while every size up to 2048 px still runs whole there (measured in
/// docs/benchmarks.md, "Print size: memory and time").
pub fn default_memory_budget() -> Option<u64> {
    proc_bytes("/proc/meminfo", "MemTotal:").map(|bytes| bytes / 3)
}

/// The process's peak resident memory so far (`/proc/self/status`'s `VmHWM`), bytes;
/// `None` where that cannot be read.
pub fn measured_peak_bytes() -> Option<u64> {
    proc_bytes("/proc/self/status", "VmHWM:")
}

/// The `key` line of a `/proc` file (`MemTotal:   24500000 kB`), in bytes.
fn proc_bytes(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix(key))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// A size in bytes as a person writes it: a number with an optional binary unit, `K`,
/// `M`, `G` or `T` (powers of 1024; `KiB`, `KB`, `k` are read the same), e.g. `8G`,
/// `1.5GiB`, `512M`, `1073741824`.
///
/// ```
/// use impasto::transfer::parse_bytes;
/// assert_eq!(parse_bytes("8G"), Ok(8 << 30));
/// assert_eq!(parse_bytes("1.5 GiB"), Ok(3 << 29));
/// assert!(parse_bytes("0").is_err() && parse_bytes("8X").is_err());
/// ```
///
/// # Errors
/// One sentence for an empty, negative, zero, non-finite or too large size, or a unit
/// it does not know.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim();
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a size: write a number and a unit, such as 8G or 512M")
    })?;
    let power = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        _ => {
            return Err(format!(
                "`{unit}` is not a unit of memory: use K, M, G or T (powers of 1024)"
            ));
        }
    };
    let bytes = value * 1024f64.powi(power);
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(format!(
            "`{text}` is no memory at all: give at least one byte"
        ));
    }
    if bytes > u64::MAX as f64 / 2.0 {
        return Err(format!("`{text}` is more memory than any machine has"));
    }
    Ok(bytes.round() as u64)
}

/// `bytes` for a person: GiB with one decimal from 1 GiB, MiB below.
pub fn format_bytes(bytes: u64) -> String {
    let bytes = bytes as f64;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.0} MiB", bytes / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
