//! The baseline: coarse-to-fine variational flow with no patch search (Horn & Schunck's
//! smoothness-regularised energy with Charbonnier penalties and gradient constancy,
//! Brox et al. 2004, solved by the same [`VariationalConfig`] iterations DIS refines
//! with). It is here to measure what DIS's patch search buys (README).

use image::Rgb32FImage;

use crate::plane::coarse_to_fine;
use crate::{FlowError, FlowField, VariationalConfig};

/// Settings of the variational baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct VariationalFlowConfig {
    /// The iterations run at each warp of each level. Default: 5 fixed-point
    /// iterations of 10 SOR sweeps, OpenCV's weights.
    pub variational: VariationalConfig,
    /// Warps (re-linearisations around the current flow) per level. Default 3; `1..=100`.
    pub warps_per_level: usize,
    /// The pyramid is halved while its shorter side stays at least this. Default 16;
    /// `2..=4096`.
    pub coarsest_side: usize,
}

impl Default for VariationalFlowConfig {
    fn default() -> Self {
        Self {
            variational: VariationalConfig {
                sor_iterations: 10,
                ..Default::default()
            },
            warps_per_level: 3,
            coarsest_side: 16,
        }
    }
}

impl VariationalFlowConfig {
    /// [`FlowError::InvalidConfig`] for the first field outside its documented range.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |field, reason: &str| {
            Err(FlowError::InvalidConfig {
                field,
                reason: reason.into(),
            })
        };
        if !(1..=100).contains(&self.warps_per_level) {
            return bad("warps_per_level", "must be in 1..=100");
        }
        if !(2..=4096).contains(&self.coarsest_side) {
            return bad("coarsest_side", "must be in 2..=4096");
        }
        self.variational.validate()
    }

    /// The flow from `first` to `second`, as [`crate::DisConfig::compute`] (frames at
    /// least 2 × 2 pixels).
    pub fn compute(
        &self,
        first: &Rgb32FImage,
        second: &Rgb32FImage,
    ) -> Result<FlowField, FlowError> {
        self.validate()?;
        // Levels while the shorter side stays at least `coarsest_side`, the finest at
        // full size.
        let levels = |w: usize, h: usize| {
            let mut levels = 1;
            while (w.min(h) >> levels) >= self.coarsest_side {
                levels += 1;
            }
            (0, levels - 1)
        };
        coarse_to_fine(first, second, 2, levels, |a, b, flow| {
            for _ in 0..self.warps_per_level {
                self.variational.refine(a, b, flow);
            }
        })
    }
}
