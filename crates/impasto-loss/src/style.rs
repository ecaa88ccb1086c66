//! The style loss: squared distance between Gram matrices, over several layers.

use burn::tensor::Tensor;

use crate::checks::{check_weight, match_batch};
use crate::reduce::sum_by_dims;
use crate::{LossError, Term};

/// The style loss of one layer, `E_l = Σ_ij (G_ij − A_ij)² / (4 N_l² M_l²)`.
///
/// `gram` is the optimised image's Gram matrix `G^l` (see [`gram`](crate::gram)),
/// `target` the style's `A^l`, and `positions` is `M_l = H_l·W_l`, the number of
/// positions `G^l` was summed over (`N_l` is read from the shape).
///
/// The difference is scaled by `1 / (2 N_l M_l)` before it is squared, which is the same
/// number but keeps every intermediate near the size of the result: unnormalised Grams
/// grow with `M_l` and their squares would otherwise approach `f32`'s range.
///
/// # Shapes
/// - `gram`: `[B, N_l, N_l]`
/// - `target`: `[B, N_l, N_l]` or `[1, N_l, N_l]` (broadcast over the batch)
/// - output: `[1]`, summed over the batch
///
/// # Errors
/// [`LossError::ChannelMismatch`] if `N_l` differs, [`LossError::ShapeMismatch`] if a
/// matrix is not square or the batch sizes differ, [`LossError::NoPositions`] if
/// `positions` is 0.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::style_layer_loss;
///
/// let device = Device::flex();
/// let g = Tensor::<1>::from_floats([30.0, -2.0, -2.0, 2.0], &device).reshape([1, 2, 2]);
/// let a = Tensor::<1>::from_floats([26.0, 0.0, 0.0, 2.0], &device).reshape([1, 2, 2]);
/// // Σ (G − A)² = 16 + 4 + 4 = 24, and 4 N² M² = 4 · 2² · 4² = 256.
/// let e = style_layer_loss(g, a, 4)?;
/// assert_eq!(e.into_scalar::<f32>(), 24.0 / 256.0);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
pub fn style_layer_loss(
    gram: Tensor<3>,
    target: Tensor<3>,
    positions: usize,
) -> Result<Tensor<1>, LossError> {
    style_layer_loss_over(gram, target, positions as f64)
}

/// [`style_layer_loss`] over `positions` that need not be a whole number: a region's
/// mass `Σ m²` ([`region_style_layer_loss`](crate::region_style_layer_loss)). The same
/// arithmetic, so a whole number gives [`style_layer_loss`]'s value to the bit.
///
/// # Errors
/// As [`style_layer_loss`]; [`LossError::NoPositions`] unless `positions` is finite and
/// > 0.
pub fn style_layer_loss_over(
    gram: Tensor<3>,
    target: Tensor<3>,
    positions: f64,
) -> Result<Tensor<1>, LossError> {
    let [batch, channels, columns] = gram.dims();
    let [target_batch, target_channels, target_columns] = target.dims();
    if columns != channels {
        return Err(LossError::ShapeMismatch {
            what: "Gram matrix (must be square)",
            expected: vec![batch, channels, channels],
            found: vec![batch, channels, columns],
        });
    }
    if target_channels != channels {
        return Err(LossError::ChannelMismatch {
            expected: target_channels,
            found: channels,
        });
    }
    if target_columns != target_channels {
        return Err(LossError::ShapeMismatch {
            what: "target Gram matrix (must be square)",
            expected: vec![target_batch, target_channels, target_channels],
            found: vec![target_batch, target_channels, target_columns],
        });
    }
    if !(positions.is_finite() && positions > 0.0) {
        return Err(LossError::NoPositions);
    }
    let target = match_batch(target, batch, "target Gram batch")?;
    let scale = 1.0 / (2.0 * channels as f64 * positions);
    Ok(sum_by_dims((gram - target).mul_scalar(scale).square()))
}

/// The style loss `L_s = Σ_{l∈S} w_l E_l` of per-layer losses `E_l` (from
/// [`style_layer_loss`]).
///
/// `layer_weights` are the `w_l`, one per layer, used as given (not normalised);
/// `None` means the default `w_l = 1/|S|`, the paper's equal weighting.
///
/// # Shapes
/// Each `E_l` is `[1]`; output `[1]`.
///
/// # Errors
/// [`LossError::EmptyLayers`] if `layer_losses` is empty,
/// [`LossError::LayerWeightCount`] if the weights are not one per layer,
/// [`LossError::NegativeWeight`] / [`LossError::NonFiniteWeight`] for a bad weight.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::style_loss;
///
/// let device = Device::flex();
/// let e = || vec![Tensor::<1>::from_floats([0.5], &device), Tensor::from_floats([2.0], &device)];
/// assert_eq!(style_loss(e(), None)?.into_scalar::<f32>(), 1.25); // (0.5 + 2) / 2
/// assert_eq!(style_loss(e(), Some(&[2.0, 0.25]))?.into_scalar::<f32>(), 1.5);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
pub fn style_loss(
    layer_losses: Vec<Tensor<1>>,
    layer_weights: Option<&[f64]>,
) -> Result<Tensor<1>, LossError> {
    if layer_losses.is_empty() {
        return Err(LossError::EmptyLayers { term: Term::Style });
    }
    let uniform = vec![1.0 / layer_losses.len() as f64; layer_losses.len()];
    let weights = layer_weights.unwrap_or(&uniform);
    check_layer_weights(weights, layer_losses.len())?;
    let mut terms = layer_losses
        .into_iter()
        .zip(weights)
        .map(|(e, &w)| e.mul_scalar(w));
    let first = terms.next().expect("checked non-empty above");
    Ok(terms.fold(first, |sum, term| sum + term))
}

/// `Ok` if `weights` has one finite, non-negative weight per layer.
pub(crate) fn check_layer_weights(weights: &[f64], layers: usize) -> Result<(), LossError> {
    if weights.len() != layers {
        return Err(LossError::LayerWeightCount {
            layers,
            weights: weights.len(),
        });
    }
    for (i, &w) in weights.iter().enumerate() {
        check_weight(|| format!("style_layer_weights[{i}]"), w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gram;
    use crate::testing::{check_gradient, constant_like, pseudo_random, scalar, tensor};

    #[test]
    fn hand_computed_two_by_two() {
        // F = rows (1, 2, 3, 4), (0, 1, 0, −1) over 2×2 positions: G = [[30, −2], [−2, 2]].
        let f = tensor(&[1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, -1.0], [1, 2, 2, 2]);
        let a = tensor(&[26.0, 0.0, 0.0, 2.0], [1, 2, 2]);
        let e = style_layer_loss(gram(f), a, 4).unwrap();
        assert_eq!(scalar(e), 24.0 / 256.0);
    }

    #[test]
    fn weights_default_to_one_over_the_layer_count() {
        let e = || {
            vec![
                tensor(&[0.5], [1]),
                tensor(&[2.0], [1]),
                tensor(&[0.5], [1]),
            ]
        };
        assert_eq!(scalar(style_loss(e(), None).unwrap()), 1.0);
        let custom = style_loss(e(), Some(&[2.0, 0.25, 0.0])).unwrap();
        assert_eq!(scalar(custom), 1.5);
    }

    #[test]
    fn rejects_bad_shapes_weights_and_empty_lists() {
        let g = tensor(&[0.0; 4], [1, 2, 2]);
        let three = tensor(&[0.0; 9], [1, 3, 3]);
        let not_square = tensor(&[0.0; 6], [1, 2, 3]);
        assert!(matches!(
            style_layer_loss(g.clone(), three, 4),
            Err(LossError::ChannelMismatch {
                expected: 3,
                found: 2
            })
        ));
        assert!(matches!(
            style_layer_loss(not_square.clone(), g.clone(), 4),
            Err(LossError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            style_layer_loss(g.clone(), not_square.reshape([1, 3, 2]), 4),
            Err(LossError::ChannelMismatch { .. })
        ));
        assert!(matches!(
            style_layer_loss(g.clone(), g.clone(), 0),
            Err(LossError::NoPositions)
        ));
        let e = || vec![tensor(&[1.0], [1])];
        assert!(matches!(
            style_loss(vec![], None),
            Err(LossError::EmptyLayers { term: Term::Style })
        ));
        assert!(matches!(
            style_loss(e(), Some(&[1.0, 1.0])),
            Err(LossError::LayerWeightCount {
                layers: 1,
                weights: 2
            })
        ));
        assert!(matches!(
            style_loss(e(), Some(&[-1.0])),
            Err(LossError::NegativeWeight { .. })
        ));
        assert!(matches!(
            style_loss(e(), Some(&[f64::NAN])),
            Err(LossError::NonFiniteWeight { .. })
        ));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // Through the Gram matrix, as the total loss uses it: E(gram(F), A) for batch 2.
        let shape = [2, 3, 2, 2];
        let x = pseudo_random(24, 5);
        let a: Vec<f64> = pseudo_random(9, 6).iter().map(|v| 2.0 * v).collect();
        check_gradient(
            |f| {
                let target = constant_like(&a, [1, 3, 3], &f);
                let e = style_layer_loss(gram(f), target, 4).unwrap();
                style_loss(vec![e.clone(), e], Some(&[0.75, 2.0])).unwrap()
            },
            &x,
            shape,
            1e-8,
        );
    }
}
