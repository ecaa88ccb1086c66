//! Forward–backward consistency: where a flow can be trusted, by the criteria of Ruder,
//! Dosovitskiy & Brox (2016), "Artistic style transfer for videos", §3.2 (after Sundaram,
//! Brox & Keutzer 2010).

use crate::{FlowError, FlowField};

/// Per-pixel reliability of a forward flow, row-major, the size of the flow.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsistencyMasks {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `true` where the backward flow does not lead back:
    /// `|w + ŵ(x + w)|² > 0.01 (|w|² + |ŵ(x + w)|²) + 0.5`, with `ŵ(x + w)` the backward
    /// flow sampled bilinearly at the forward flow's target. Also `true` where `x + w`
    /// leaves the frame (no correspondence to check, and in video the content there is
    /// not in the next frame).
    pub occluded: Vec<bool>,
    /// `true` on motion boundaries: `|∇u|² + |∇v|² > 0.01 |w|² + 0.002`, with `∇` by
    /// central differences (one-sided at the border) of the forward flow.
    pub motion_boundary: Vec<bool>,
    /// `1.0` where the flow is reliable, `0.0` where the pixel is occluded or on a motion
    /// boundary: the per-pixel weight of a temporal-consistency loss.
    pub weight: Vec<f32>,
}

/// The masks of `forward` (frame A → B) checked against `backward` (B → A), both the
/// same size. [`FlowError::SizeMismatch`] if they differ, [`FlowError::NonFinite`] on a
/// NaN or infinite vector.
pub fn consistency_masks(
    forward: &FlowField,
    backward: &FlowField,
) -> Result<ConsistencyMasks, FlowError> {
    if forward.dimensions() != backward.dimensions() {
        return Err(FlowError::SizeMismatch {
            what: "backward flow",
            expected: forward.dimensions(),
            actual: backward.dimensions(),
        });
    }
    forward.check_finite("forward flow")?;
    backward.check_finite("backward flow")?;
    let (width, height) = forward.dimensions();
    let (w, h) = (width as usize, height as usize);
    let f = forward.as_slice();
    let mut occluded = Vec::with_capacity(w * h);
    let mut motion_boundary = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let [u, v] = f[y * w + x];
            let (tx, ty) = (x as f32 + u, y as f32 + v);
            let inside = tx >= 0.0 && ty >= 0.0 && tx <= (w - 1) as f32 && ty <= (h - 1) as f32;
            occluded.push(if inside {
                let [bu, bv] = backward.sample(tx, ty);
                let (su, sv) = (u + bu, v + bv);
                su * su + sv * sv > 0.01 * (u * u + v * v + bu * bu + bv * bv) + 0.5
            } else {
                true
            });
            // Central differences, one-sided where a neighbour is missing.
            let (xm, xp) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let (ym, yp) = (y.saturating_sub(1), (y + 1).min(h - 1));
            let (sx, sy) = ((xp - xm).max(1) as f32, (yp - ym).max(1) as f32);
            let (right, left, down, up) =
                (f[y * w + xp], f[y * w + xm], f[yp * w + x], f[ym * w + x]);
            let mut gradient = 0.0;
            for k in 0..2 {
                gradient += ((right[k] - left[k]) / sx).powi(2) + ((down[k] - up[k]) / sy).powi(2);
            }
            motion_boundary.push(gradient > 0.01 * (u * u + v * v) + 0.002);
        }
    }
    let weight = occluded
        .iter()
        .zip(&motion_boundary)
        .map(|(&o, &b)| if o || b { 0.0 } else { 1.0 })
        .collect();
    Ok(ConsistencyMasks {
        width,
        height,
        occluded,
        motion_boundary,
        weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistent_translation_is_reliable_except_where_it_leaves_the_frame() {
        let forward = FlowField::from_fn(20, 10, |_, _| [2.5, 0.0]);
        let backward = FlowField::from_fn(20, 10, |_, _| [-2.5, 0.0]);
        let masks = consistency_masks(&forward, &backward).unwrap();
        for y in 0..10 {
            for x in 0..20 {
                let i = y * 20 + x;
                // x + 2.5 > 19 for x ≥ 17: out of frame.
                assert_eq!(masks.occluded[i], x >= 17, "({x}, {y})");
                assert!(!masks.motion_boundary[i]);
                assert_eq!(masks.weight[i], if x >= 17 { 0.0 } else { 1.0 });
            }
        }
    }

    #[test]
    fn inconsistent_flow_and_flow_edges_are_flagged() {
        // Backward flow that does not return: occluded everywhere in frame.
        let forward = FlowField::from_fn(8, 8, |_, _| [1.0, 1.0]);
        let backward = FlowField::zeros(8, 8);
        assert!(
            consistency_masks(&forward, &backward)
                .unwrap()
                .occluded
                .iter()
                .all(|&o| o)
        );
        // A step of 3 px in u between columns 3 and 4: boundary on both sides of it only.
        let step = FlowField::from_fn(8, 8, |x, _| [if x < 4 { 0.0 } else { 3.0 }, 0.0]);
        let masks = consistency_masks(&step, &FlowField::zeros(8, 8)).unwrap();
        for x in 0..8 {
            assert_eq!(
                masks.motion_boundary[2 * 8 + x],
                x == 3 || x == 4,
                "column {x}"
            );
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let a = FlowField::zeros(4, 4);
        assert!(matches!(
            consistency_masks(&a, &FlowField::zeros(4, 5)),
            Err(FlowError::SizeMismatch { .. })
        ));
        let mut nan = FlowField::zeros(4, 4);
        nan.as_mut_slice()[5] = [f32::NAN, 0.0];
        assert!(matches!(
            consistency_masks(&a, &nan),
            Err(FlowError::NonFinite {
                what: "backward flow",
                x: 1,
                y: 1
            })
        ));
    }
}
