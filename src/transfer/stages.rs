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

use super::{MAX_SIZE, StyleTransfer};
use crate::ImpastoError;

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

impl StyleTransfer {
    /// Optimises at each stage's size in turn, coarse to fine (see [`Stage`]): the last
    /// stage sets the result's [`size`](Self::with_size) and
    /// [`iterations`](Self::with_iterations) (a later `with_size` or `with_iterations`
    /// changes that last stage), the others run before it. Default: one stage, 512 px,
    /// 500 iterations. Sizes must grow from stage to stage; an empty list keeps the
    /// current size and iterations as the only stage.
    ///
    /// ```
    /// use impasto::{Stage, StyleTransfer};
    /// # let (photo, painting) = ("photo.jpg", "painting.jpg");
    /// let transfer = StyleTransfer::new(photo, vec![painting.into()])
    ///     .with_stages(vec![Stage::new(256, 200), Stage::new(512, 100)]);
    /// assert_eq!(transfer.stages(), vec![Stage::new(256, 200), Stage::new(512, 100)]);
    /// assert_eq!(transfer.total_iterations(), 300);
    /// ```
    pub fn with_stages(mut self, mut stages: Vec<Stage>) -> Self {
        if let Some(last) = stages.pop() {
            self.size = last.size;
            self.iterations = last.iterations;
        }
        self.coarse_stages = stages;
        self
    }

    /// The stages the run goes through, the result's size last.
    pub fn stages(&self) -> Vec<Stage> {
        let mut stages = self.coarse_stages.clone();
        stages.push(Stage::new(self.size, self.iterations));
        stages
    }

    /// Iterations over all stages.
    pub fn total_iterations(&self) -> usize {
        self.coarse_stages
            .iter()
            .map(|s| s.iterations)
            .sum::<usize>()
            + self.iterations
    }
}

/// Each size within limits, growing from stage to stage; each coarse stage does work.
pub(super) fn validate(transfer: &StyleTransfer) -> Result<(), ImpastoError> {
    let invalid = |reason: String| ImpastoError::InvalidSetting {
        setting: "scales",
        reason,
    };
    let stages = transfer.stages();
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
