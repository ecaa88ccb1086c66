//! The baseline: coarse-to-fine variational flow with no patch search (Horn & Schunck's
//! smoothness-regularised energy with Charbonnier penalties and gradient constancy,
//! Brox et al. 2004, solved by the same [`VariationalConfig`] iterations DIS refines
//! with). It is here to measure what DIS's patch search buys (README).

use image::Rgb32FImage;

use crate::plane::{pyramid, upsample_flow};
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
        let (i0, i1) = crate::frames_to_planes(first, second, 2)?;
        let mut levels = 1;
        while (i0.w.min(i0.h) >> levels) >= self.coarsest_side {
            levels += 1;
        }
        let p0 = pyramid(i0, levels);
        let p1 = pyramid(i1, levels);
        let top = levels - 1;
        let mut flow = FlowField::zeros(p0[top].w as u32, p0[top].h as u32);
        for s in (0..levels).rev() {
            if s < top {
                flow = upsample_flow(&flow, p0[s].w, p0[s].h, 2.0);
            }
            for _ in 0..self.warps_per_level {
                self.variational.refine(&p0[s], &p1[s], &mut flow);
            }
        }
        Ok(flow)
    }
}
