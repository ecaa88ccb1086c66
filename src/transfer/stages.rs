//! Multi-scale (coarse-to-fine) runs: the stages and their checks.
//!
//! A run of several stages optimises at each stage's size in turn, each stage starting
//! from the previous one's result resized to its own size, with content and style targets
//! (and the balance's β and γ) computed afresh at that size. This is how every strong
//! Gatys implementation reaches high resolutions: jcjohnson/neural-style's multires
//! scripts (256 → 512 → 1024 → …), crowsonkb/style-transfer-pytorch (from 128 px up by
//! ×√2), pystiche's Gatys 2017 (512 then 1024). The coarse stages settle the arrangement
//! of the paint cheaply (an evaluation at half the side costs about a quarter); the fine
//! stage only sharpens it.
//!
//! The optimizer starts afresh at each stage. L-BFGS's (s, y) pairs are differences of
//! iterates and gradients of the previous stage's objective, on its pixel grid: resized,
//! they would be neither secant pairs of the new objective (its targets, and so its
//! curvature, are the new size's) nor of the right scale (the content term grows with the
//! area), and a wrong pair makes the two-loop recursion's first step worse than a plain
//! gradient step, which a fresh start takes anyway. What carries over is the image.
//!
//! A transfer runs [`default_schedule`] unless told otherwise: measured with trained
//! weights on three photo × painting pairs (docs/benchmarks.md, "Multi-scale runs"), it
//! gives the balance of a 256-px run at every size, in a fraction of a single-scale run's
//! time.

use crate::ImpastoError;

/// The largest accepted `size`: [`MAX_IMAGE_SIDE`](crate::image::MAX_IMAGE_SIDE).
pub const MAX_SIZE: u32 = crate::image_io::MAX_IMAGE_SIDE;

/// One scale of a run: the longest side of the image optimised, and the iterations spent
/// at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Longest side in pixels; 1 ..= 16384, larger than the previous stage's.
    pub size: u32,
    /// Iterations at this size; a coarse stage needs at least 1.
    pub iterations: usize,
}

impl Stage {
    /// A stage of `iterations` at longest side `size`.
    pub const fn new(size: u32, iterations: usize) -> Self {
        Self { size, iterations }
    }
}

/// Iterations of the default schedule's coarsest stage.
pub const COARSEST_ITERATIONS: usize = 150;
/// The default schedule halves the size while the half is at least this, so its coarsest
/// stage lies in `256 ..= 511` px (or is the size itself, below 512).
pub const COARSEST_MIN_SIZE: u32 = 256;

/// The default stages of a transfer whose result has longest side `size`: the size halved
/// while the half is at least [`COARSEST_MIN_SIZE`], each with the iterations of
/// [`schedule`]. 512 px: 256 px × 150 iterations, then 512 px × 75; 1024 px: 256 × 150,
/// 512 × 38, 1024 × 38; below 512 px one stage of 150 iterations.
///
/// The coarse stages settle the arrangement of paint where an iteration is cheap; each
/// finer stage gets half the iterations for twice the side, so its cost (pixels ×
/// iterations) doubles and the last stage dominates. Chosen by measurement: see
/// docs/benchmarks.md, "Multi-scale runs".
///
/// ```
/// use impasto::transfer::{Stage, default_schedule};
/// assert_eq!(default_schedule(1024), vec![Stage::new(256, 150), Stage::new(512, 38), Stage::new(1024, 38)]);
/// assert_eq!(default_schedule(300), vec![Stage::new(300, 150)]);
/// ```
pub fn default_schedule(size: u32) -> Vec<Stage> {
    let mut sizes = vec![size];
    while sizes[0] / 2 >= COARSEST_MIN_SIZE {
        sizes.insert(0, sizes[0] / 2);
    }
    schedule(&sizes)
}

/// Stages at `sizes` (coarse to fine) with the default iterations: [`COARSEST_ITERATIONS`]
/// at the first; at the last, in inverse proportion to its side (rounded up), so that
/// halving the iterations pays for doubling the side; and at a stage between the two,
/// half of that. What `impasto transfer --scales` uses when no `--iterations` is given.
///
/// Why an intermediate stage gets half: it only carries the arrangement of paint up to
/// the next size, whose stage re-optimises every detail at its own scale, so iterations
/// spent polishing it are mostly redone. Measured at 1024 px (Golden Gate × The Scream,
/// trained VGG16): 38 iterations at 512 px instead of 75 give the same picture (structure
/// 0.664 against 0.667, style left 0.0044 against 0.0042) and end 2 % higher in loss, in
/// 15 % less wall time (docs/benchmarks.md, "Multi-scale runs").
///
/// ```
/// use impasto::transfer::{Stage, schedule};
/// assert_eq!(schedule(&[256, 362, 512]), vec![Stage::new(256, 150), Stage::new(362, 54), Stage::new(512, 75)]);
/// ```
pub fn schedule(sizes: &[u32]) -> Vec<Stage> {
    let Some(&coarsest) = sizes.first() else {
        return Vec::new();
    };
    let last = sizes.len() - 1;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let size = u64::from(size.max(1));
            let scaled = COARSEST_ITERATIONS as u64 * u64::from(coarsest);
            let iterations = match i {
                0 => COARSEST_ITERATIONS as u64,
                i if i == last => scaled.div_ceil(size),
                _ => scaled.div_ceil(2 * size),
            };
            Stage::new(size as u32, iterations as usize)
        })
        .collect()
}

/// How many iterations a run spends at which sizes: the one place a run's stages are
/// decided. [`StyleTransfer::plan`](super::StyleTransfer::plan) resolves it into the stages the run goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Coarse to fine: [`default_schedule`] of the result's size (one stage below 512
    /// px). With `iterations`, the same stages with their iterations scaled so that they
    /// add up to it ([`scale_iterations`]): the same method, run longer or shorter. The
    /// default of a transfer.
    Auto {
        /// The result's longest side, pixels.
        size: u32,
        /// The iterations over all stages; `None`: the default schedule's.
        iterations: Option<usize>,
    },
    /// These stages, coarse to fine; the last one's size is the result's.
    Stages(Vec<Stage>),
}

impl Schedule {
    /// One stage: `iterations` at `size` (the reconstructions' default, a video's later
    /// frames).
    pub fn single(size: u32, iterations: usize) -> Self {
        Schedule::Stages(vec![Stage::new(size, iterations)])
    }

    /// The result's longest side.
    pub fn size(&self) -> u32 {
        match self {
            Schedule::Auto { size, .. } => *size,
            Schedule::Stages(stages) => stages.last().map_or(0, |s| s.size),
        }
    }

    /// The stages a run goes through, the result's size last.
    pub fn stages(&self) -> Vec<Stage> {
        match self {
            Schedule::Auto { size, iterations } => {
                let stages = default_schedule(*size);
                match iterations {
                    Some(total) => scale_iterations(&stages, *total),
                    None => stages,
                }
            }
            Schedule::Stages(stages) => stages.clone(),
        }
    }

    /// The same schedule with the result's size `size`: an automatic one follows it; of
    /// stated stages the last takes it.
    #[must_use]
    pub fn with_size(self, size: u32) -> Self {
        match self {
            Schedule::Auto { iterations, .. } => Schedule::Auto { size, iterations },
            Schedule::Stages(mut stages) => {
                match stages.last_mut() {
                    Some(last) => last.size = size,
                    None => stages.push(Stage::new(size, 0)),
                }
                Schedule::Stages(stages)
            }
        }
    }

    /// The same schedule spending `iterations` in all: an automatic one scales its
    /// stages, stated stages are scaled in proportion to their own iterations
    /// ([`scale_iterations`]).
    #[must_use]
    pub fn with_iterations(self, iterations: usize) -> Self {
        match self {
            Schedule::Auto { size, .. } => Schedule::Auto {
                size,
                iterations: Some(iterations),
            },
            Schedule::Stages(stages) => Schedule::Stages(scale_iterations(&stages, iterations)),
        }
    }
}

/// `stages` with their iterations scaled to add up to `total`, each in proportion to its
/// own (rounded by largest remainder; every stage at least one). A total smaller than the
/// number of stages leaves only the last stage, with `total` iterations (0 evaluates the
/// start only).
///
/// Why scale rather than run one stage: a user who asks for a number of iterations
/// expects the same picture, run longer or shorter, not another method. One stage at the
/// full size paints less for the same count: measured with trained VGG16 on a landscape,
/// a portrait and an upscaled photo (docs/benchmarks.md, "Settings redesign and
/// `--iterations`"), the scaled schedule left less of the style unmatched on each, in a
/// half to a quarter of the time.
///
/// ```
/// use impasto::transfer::{Stage, default_schedule, scale_iterations};
/// // The default 1024-px schedule (150, 38, 38) in 120 iterations.
/// let stages = scale_iterations(&default_schedule(1024), 120);
/// assert_eq!(stages, vec![Stage::new(256, 80), Stage::new(512, 20), Stage::new(1024, 20)]);
/// assert_eq!(scale_iterations(&default_schedule(1024), 2), vec![Stage::new(1024, 2)]);
/// ```
pub fn scale_iterations(stages: &[Stage], total: usize) -> Vec<Stage> {
    let Some(&last) = stages.last() else {
        return Vec::new();
    };
    if total < stages.len() {
        return vec![Stage::new(last.size, total)];
    }
    let weights: Vec<u64> = stages.iter().map(|s| s.iterations.max(1) as u64).collect();
    let sum: u64 = weights.iter().sum();
    let total = total as u64;
    // Each stage's exact share rounded down, the rest by largest remainder.
    let mut shares: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    // Fewer left than stages: each rounded down by less than one.
    let left = total - shares.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..stages.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((total * weights[i]) % sum));
    for &i in order.iter().take(left as usize) {
        shares[i] += 1;
    }
    // Every stage works: a stage rounded to 0 takes one from the largest.
    for i in 0..shares.len() {
        if shares[i] == 0 {
            let largest = (0..shares.len()).max_by_key(|&j| shares[j]).unwrap_or(i);
            shares[largest] -= 1;
            shares[i] = 1;
        }
    }
    stages
        .iter()
        .zip(shares)
        .map(|(s, share)| Stage::new(s.size, share as usize))
        .collect()
}

/// Each size within limits, growing from stage to stage; each coarse stage does work.
pub(super) fn validate(stages: &[Stage]) -> Result<(), ImpastoError> {
    let invalid = |reason: String| ImpastoError::InvalidSetting {
        setting: crate::error::Setting::Scales,
        reason,
    };
    if stages.is_empty() {
        return Err(invalid("a run needs at least one scale".into()));
    }
    for (i, stage) in stages.iter().enumerate() {
        if stage.size == 0 || stage.size > MAX_SIZE {
            return Err(invalid(format!(
                "{} is not between 1 and {MAX_SIZE} pixels",
                stage.size
            )));
        }
        if i > 0 && stage.size <= stages[i - 1].size {
            return Err(invalid(format!(
                "the sizes must grow from scale to scale; {} follows {}",
                stage.size,
                stages[i - 1].size
            )));
        }
        if i + 1 < stages.len() && stage.iterations == 0 {
            return Err(invalid(format!(
                "the scale {} px has 0 iterations; every scale before the last needs at least 1",
                stage.size
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{DEFAULT_ITERATIONS, DEFAULT_SIZE, StyleTransfer};
    use impasto_vgg::VggLayer;

    fn sizes(stages: &[Stage]) -> Vec<u32> {
        stages.iter().map(|s| s.size).collect()
    }

    #[test]
    fn the_default_schedule_halves_down_to_256_px() {
        assert_eq!(sizes(&default_schedule(16)), [16]);
        assert_eq!(sizes(&default_schedule(511)), [511]);
        assert_eq!(sizes(&default_schedule(512)), [256, 512]);
        assert_eq!(sizes(&default_schedule(1000)), [500, 1000]);
        assert_eq!(sizes(&default_schedule(1023)), [511, 1023]);
        assert_eq!(sizes(&default_schedule(2048)), [256, 512, 1024, 2048]);
        assert_eq!(sizes(&default_schedule(3000)), [375, 750, 1500, 3000]);
        assert_eq!(sizes(&default_schedule(MAX_SIZE)).len(), 7);
        for size in [1, 16, 300, 512, 777, 1024, 4096, MAX_SIZE] {
            let stages = default_schedule(size);
            assert_eq!(stages.last().unwrap().size, size);
            assert_eq!(stages[0].iterations, COARSEST_ITERATIONS);
            assert!(
                stages.windows(2).all(|w| w[0].size < w[1].size),
                "{stages:?}"
            );
        }
    }

    #[test]
    fn iterations_fall_in_inverse_proportion_to_the_side_halved_between_first_and_last() {
        let iterations = |sizes: &[u32]| -> Vec<usize> {
            schedule(sizes).iter().map(|s| s.iterations).collect()
        };
        assert_eq!(iterations(&[256, 512]), [150, 75]);
        // The stages between the first and the last get half.
        assert_eq!(iterations(&[256, 512, 1024]), [150, 38, 38]);
        assert_eq!(
            iterations(&[256, 512, 1024, 2048, 4096]),
            [150, 38, 19, 10, 10]
        );
        assert_eq!(iterations(&[300, 450]), [150, 100]);
        assert_eq!(iterations(&[7]), [150]);
        assert!(schedule(&[]).is_empty());
        // Never zero, even far above the coarsest size.
        assert_eq!(iterations(&[1, MAX_SIZE]), [150, 1]);
    }

    #[test]
    fn a_transfer_follows_the_schedule_until_told_otherwise() {
        let transfer = StyleTransfer::new("photo.jpg", vec!["painting.jpg".into()]);
        assert_eq!(transfer.stages(), default_schedule(DEFAULT_SIZE));
        assert_eq!(
            transfer.stages(),
            [Stage::new(256, 150), Stage::new(512, 75)]
        );
        assert_eq!(transfer.total_iterations(), 225);
        let large = transfer.clone().with_size(1024);
        assert_eq!(large.stages(), default_schedule(1024));
        // A number of iterations: the same schedule, scaled, whichever order.
        let shorter = transfer.clone().with_iterations(45);
        assert_eq!(shorter.stages(), [Stage::new(256, 30), Stage::new(512, 15)]);
        let shorter = transfer.clone().with_iterations(45).with_size(1024);
        assert_eq!(
            shorter.stages(),
            scale_iterations(&default_schedule(1024), 45)
        );
        assert_eq!(shorter.total_iterations(), 45);
        // Stated stages; a size replaces the last one's.
        let stated = transfer
            .clone()
            .with_stages(vec![Stage::new(128, 9), Stage::new(256, 4)]);
        assert_eq!(stated.stages(), [Stage::new(128, 9), Stage::new(256, 4)]);
        assert_eq!(
            stated.clone().with_size(300).stages(),
            [Stage::new(128, 9), Stage::new(300, 4)]
        );
        assert_eq!(
            stated.with_iterations(26).stages(),
            [Stage::new(128, 18), Stage::new(256, 8)]
        );
    }

    #[test]
    fn scaled_iterations_add_up_and_keep_every_stage_working() {
        for size in [256, 512, 1024, 4096] {
            let stages = default_schedule(size);
            for total in [0, 1, 2, 3, 7, 50, 120, 226, 1000] {
                let scaled = scale_iterations(&stages, total);
                assert_eq!(scaled.iter().map(|s| s.iterations).sum::<usize>(), total);
                assert_eq!(scaled.last().unwrap().size, size);
                if total >= stages.len() {
                    assert_eq!(sizes(&scaled), sizes(&stages));
                    assert!(scaled.iter().all(|s| s.iterations >= 1), "{scaled:?}");
                } else {
                    assert_eq!(scaled, [Stage::new(size, total)]);
                }
            }
        }
        // The default's own total gives the default back.
        assert_eq!(
            scale_iterations(&default_schedule(1024), 226),
            default_schedule(1024)
        );
        assert!(scale_iterations(&[], 5).is_empty());
    }

    #[test]
    fn reconstructions_stay_at_one_scale() {
        let content = StyleTransfer::reconstruct_content("photo.jpg", VggLayer::Relu4_2);
        assert_eq!(
            content.stages(),
            [Stage::new(DEFAULT_SIZE, DEFAULT_ITERATIONS)]
        );
        let style = StyleTransfer::reconstruct_style("painting.jpg", vec![VggLayer::Relu1_1]);
        assert_eq!(
            style.with_size(1024).stages(),
            [Stage::new(1024, DEFAULT_ITERATIONS)]
        );
    }
}
