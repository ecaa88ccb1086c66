//! Variational refinement: a few fixed-point and SOR iterations on a robust energy,
//! as in DIS (Kroeger et al. 2016, §2.3) and OpenCV's `VariationalRefinement`, after
//! Brox et al. (2004).
//!
//! Around the current flow `w`, an increment `dw = (du, dv)` minimises, per pixel,
//!
//! ```text
//! δ Ψ(n₀ (I_z + I_x du + I_y dv)²)                                    brightness
//! + γ Ψ(n_x (I_xz + I_xx du + I_xy dv)² + n_y (I_yz + I_xy du + I_yy dv)²)   gradient
//! + α Ψ(|∇(u + du)|² + |∇(v + dv)|²)                                   smoothness
//! ```
//!
//! with `Ψ(s²) = √(s² + ε²)` (Charbonnier: robust to outliers and to flow edges),
//! `I_z = I₁(x + w) − I₀(x)` and the spatial derivatives averaged over the two frames.
//! The data terms are normalised (`n₀ = 1/(|∇I|² + ζ²)`, Zimmer et al. 2011, as
//! OpenCV does) so that strong edges do not outweigh the smoothness term.

use crate::plane::Plane;
use crate::{FlowError, FlowField};

/// Charbonnier's ε: makes Ψ differentiable at 0 (OpenCV's value).
const EPSILON: f32 = 0.001;
/// ζ² of the data normalisation (OpenCV: ζ = 0.1).
const ZETA_SQUARED: f32 = 0.01;

/// Settings of the variational refinement. Defaults are OpenCV's (`DISOpticalFlow`,
/// preset MEDIUM) for intensities in `[0, 255]`, which this crate uses internally.
#[derive(Clone, Debug, PartialEq)]
pub struct VariationalConfig {
    /// Outer fixed-point iterations (the robust weights re-evaluated). Default 5;
    /// `0..=1000`, 0 turning refinement off.
    pub fixed_point_iterations: usize,
    /// Successive over-relaxation sweeps per fixed-point iteration. Default 5; `1..=1000`.
    pub sor_iterations: usize,
    /// SOR relaxation factor ω. Default 1.6; `(0, 2)` (convergent range of SOR).
    pub omega: f32,
    /// Smoothness weight α. Default 20; finite, `≥ 0`.
    pub alpha: f32,
    /// Brightness-constancy weight δ. Default 5; finite, `≥ 0`.
    pub delta: f32,
    /// Gradient-constancy weight γ. Default 10; finite, `≥ 0`.
    pub gamma: f32,
}

impl Default for VariationalConfig {
    fn default() -> Self {
        Self {
            fixed_point_iterations: 5,
            sor_iterations: 5,
            omega: 1.6,
            alpha: 20.0,
            delta: 5.0,
            gamma: 10.0,
        }
    }
}

impl VariationalConfig {
    /// [`FlowError::InvalidConfig`] for the first field outside its documented range.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |field, reason: &str| {
            Err(FlowError::InvalidConfig {
                field,
                reason: reason.into(),
            })
        };
        if self.fixed_point_iterations > 1000 {
            return bad("fixed_point_iterations", "must be in 0..=1000");
        }
        if !(1..=1000).contains(&self.sor_iterations) {
            return bad("sor_iterations", "must be in 1..=1000");
        }
        if !(self.omega > 0.0 && self.omega < 2.0) {
            return bad("omega", "must be in (0, 2)");
        }
        for (field, value) in [
            ("alpha", self.alpha),
            ("delta", self.delta),
            ("gamma", self.gamma),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return bad(field, "must be finite and >= 0");
            }
        }
        Ok(())
    }

    /// Refines `flow` (from `i0` to `i1`, same size) in place.
    pub(crate) fn refine(&self, i0: &Plane, i1: &Plane, flow: &mut FlowField) {
        if self.fixed_point_iterations == 0 || i0.w < 2 || i0.h < 2 {
            return;
        }
        let (w, h) = (i0.w, i0.h);
        let terms = DataTerms::new(i0, i1, flow);
        let base: Vec<[f32; 2]> = flow.as_slice().to_vec();
        let mut dw = vec![[0.0f32; 2]; w * h];
        let mut smooth = vec![0.0f32; w * h];
        let mut system = vec![[0.0f32; 5]; w * h];
        for _ in 0..self.fixed_point_iterations {
            // Lagged nonlinearity: Ψ' evaluated at the current increment, then a linear
            // system in dw solved approximately by SOR.
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    let total = |j: usize| [base[j][0] + dw[j][0], base[j][1] + dw[j][1]];
                    let (c, r, d) = (
                        total(i),
                        total(i + usize::from(x + 1 < w)),
                        total(if y + 1 < h { i + w } else { i }),
                    );
                    let grad = (r[0] - c[0]).powi(2)
                        + (d[0] - c[0]).powi(2)
                        + (r[1] - c[1]).powi(2)
                        + (d[1] - c[1]).powi(2);
                    smooth[i] = self.alpha * psi_prime(grad);
                    system[i] = terms.system(i, dw[i], self.delta, self.gamma);
                }
            }
            for _ in 0..self.sor_iterations {
                for y in 0..h {
                    for x in 0..w {
                        let i = y * w + x;
                        // Edge weights: pixel p's Ψ' on its right and lower edges (forward
                        // differences), so the left and upper edges use the neighbour's.
                        let mut neighbours = [(0usize, 0.0f32); 4];
                        let mut n = 0;
                        if x + 1 < w {
                            neighbours[n] = (i + 1, smooth[i]);
                            n += 1;
                        }
                        if y + 1 < h {
                            neighbours[n] = (i + w, smooth[i]);
                            n += 1;
                        }
                        if x > 0 {
                            neighbours[n] = (i - 1, smooth[i - 1]);
                            n += 1;
                        }
                        if y > 0 {
                            neighbours[n] = (i - w, smooth[i - w]);
                            n += 1;
                        }
                        let [a11, a12, a22, b1, b2] = system[i];
                        let (mut su, mut sv, mut sw) = (0.0, 0.0, 0.0);
                        for &(j, weight) in &neighbours[..n] {
                            su += weight * (base[j][0] + dw[j][0] - base[i][0]);
                            sv += weight * (base[j][1] + dw[j][1] - base[i][1]);
                            sw += weight;
                        }
                        let (du, dv) = (dw[i][0], dw[i][1]);
                        if a11 + sw > 0.0 {
                            let target = (b1 - a12 * dv + su) / (a11 + sw);
                            dw[i][0] = du + self.omega * (target - du);
                        }
                        if a22 + sw > 0.0 {
                            let target = (b2 - a12 * dw[i][0] + sv) / (a22 + sw);
                            dw[i][1] = dv + self.omega * (target - dv);
                        }
                    }
                }
            }
        }
        for (f, d) in flow.as_mut_slice().iter_mut().zip(&dw) {
            f[0] += d[0];
            f[1] += d[1];
        }
    }
}

/// `Ψ'(s²)` up to the factor ½ every term shares: `1 / √(s² + ε²)`.
#[inline]
fn psi_prime(s2: f32) -> f32 {
    1.0 / (s2 + EPSILON * EPSILON).sqrt()
}

/// The linearised data terms at each pixel, from the two frames with `I₁` warped by the
/// flow being refined.
struct DataTerms {
    /// Per pixel: `[I_x, I_y, I_z, I_xx, I_xy, I_yy, I_xz, I_yz]`; all zero where
    /// `x + w` leaves the frame (no data there: the smoothness term fills it in).
    d: Vec<[f32; 8]>,
}

impl DataTerms {
    fn new(i0: &Plane, i1: &Plane, flow: &FlowField) -> Self {
        let warped = i1.warp(flow);
        let (i0x, i0y) = i0.central();
        let (i1x, i1y) = warped.central();
        let (i0xx, i0xy) = i0x.central();
        let (_, i0yy) = i0y.central();
        let (i1xx, i1xy) = i1x.central();
        let (_, i1yy) = i1y.central();
        let (w, h) = (i0.w as f32, i0.h as f32);
        let d = (0..i0.data.len())
            .map(|i| {
                let [u, v] = flow.as_slice()[i];
                let (x, y) = ((i % i0.w) as f32 + u, (i / i0.w) as f32 + v);
                if !(x >= 0.0 && y >= 0.0 && x <= w - 1.0 && y <= h - 1.0) {
                    return [0.0; 8];
                }
                [
                    0.5 * (i0x.data[i] + i1x.data[i]),
                    0.5 * (i0y.data[i] + i1y.data[i]),
                    warped.data[i] - i0.data[i],
                    0.5 * (i0xx.data[i] + i1xx.data[i]),
                    0.5 * (i0xy.data[i] + i1xy.data[i]),
                    0.5 * (i0yy.data[i] + i1yy.data[i]),
                    i1x.data[i] - i0x.data[i],
                    i1y.data[i] - i0y.data[i],
                ]
            })
            .collect();
        Self { d }
    }

    /// `[A11, A12, A22, b1, b2]` of pixel `i`'s data part at increment `dw`.
    fn system(&self, i: usize, dw: [f32; 2], delta: f32, gamma: f32) -> [f32; 5] {
        let [ix, iy, iz, ixx, ixy, iyy, ixz, iyz] = self.d[i];
        let [du, dv] = dw;
        let n0 = 1.0 / (ix * ix + iy * iy + ZETA_SQUARED);
        let nx = 1.0 / (ixx * ixx + ixy * ixy + ZETA_SQUARED);
        let ny = 1.0 / (ixy * ixy + iyy * iyy + ZETA_SQUARED);
        let r0 = iz + ix * du + iy * dv;
        let rx = ixz + ixx * du + ixy * dv;
        let ry = iyz + ixy * du + iyy * dv;
        let ad = delta * n0 * psi_prime(n0 * r0 * r0);
        let ag = gamma * psi_prime(nx * rx * rx + ny * ry * ry);
        let (gx, gy) = (ag * nx, ag * ny);
        [
            ad * ix * ix + gx * ixx * ixx + gy * ixy * ixy,
            ad * ix * iy + gx * ixx * ixy + gy * ixy * iyy,
            ad * iy * iy + gx * ixy * ixy + gy * iyy * iyy,
            -(ad * ix * iz + gx * ixx * ixz + gy * ixy * iyz),
            -(ad * iy * iz + gx * ixy * ixz + gy * iyy * iyz),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_rejects_out_of_range_fields() {
        assert!(VariationalConfig::default().validate().is_ok());
        for config in [
            VariationalConfig {
                omega: 2.0,
                ..Default::default()
            },
            VariationalConfig {
                sor_iterations: 0,
                ..Default::default()
            },
            VariationalConfig {
                alpha: f32::NAN,
                ..Default::default()
            },
            VariationalConfig {
                gamma: -1.0,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                config.validate(),
                Err(FlowError::InvalidConfig { .. })
            ));
        }
    }
}
