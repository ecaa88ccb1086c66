//! The content loss: squared distance between feature maps.

use burn::tensor::Tensor;

use crate::checks::match_batch;
use crate::reduce::sum_by_dims;
use crate::{LossError, Term};

/// The content loss of one layer, `½ Σ_ij (F_ij − P_ij)²`.
///
/// `features` are the optimised image's activations `F^l`, `target` the content image's
/// `P^l`. Its gradient with respect to `F` is simply `F − P`.
///
/// # Shapes
/// - `features`: `[B, N_l, H_l, W_l]`
/// - `target`: `[B, N_l, H_l, W_l]`, or `[1, N_l, H_l, W_l]` (broadcast over the batch)
/// - output: `[1]`, summed over the batch
///
/// # Errors
/// [`LossError::ChannelMismatch`] if the channel counts differ,
/// [`LossError::ShapeMismatch`] if the spatial sizes or batch sizes do.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::content_layer_loss;
///
/// let device = Device::flex();
/// let features = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &device).reshape([1, 1, 2, 2]);
/// let target = Tensor::<4>::zeros([1, 1, 2, 2], &device);
/// let loss = content_layer_loss(features, target)?;
/// assert_eq!(loss.into_scalar::<f32>(), 15.0); // ½ (1 + 4 + 9 + 16)
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
pub fn content_layer_loss(features: Tensor<4>, target: Tensor<4>) -> Result<Tensor<1>, LossError> {
    let [batch, channels, height, width] = features.dims();
    let [target_batch, target_channels, target_height, target_width] = target.dims();
    if target_channels != channels {
        return Err(LossError::ChannelMismatch {
            expected: target_channels,
            found: channels,
        });
    }
    if (target_height, target_width) != (height, width) {
        return Err(LossError::ShapeMismatch {
            what: "content features and their target",
            expected: vec![target_batch, target_channels, target_height, target_width],
            found: vec![batch, channels, height, width],
        });
    }
    let target = match_batch(target, batch, "content target batch")?;
    Ok(sum_by_dims((features - target).square()).mul_scalar(0.5))
}

/// The content loss `L_c = Σ_{l∈C} ½ Σ_ij (F^l_ij − P^l_ij)²`: the sum of
/// [`content_layer_loss`] over `(features, target)` pairs, one per content layer.
///
/// # Shapes
/// Each pair as in [`content_layer_loss`]; output `[1]`.
///
/// # Errors
/// [`LossError::EmptyLayers`] if no pair is given, else the first error of
/// [`content_layer_loss`].
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::content_loss;
///
/// let device = Device::flex();
/// let ones = Tensor::<4>::ones([1, 2, 2, 2], &device);
/// let zeros = Tensor::<4>::zeros([1, 2, 2, 2], &device);
/// // Two layers, each ½ · 8 · 1².
/// let loss = content_loss([(ones.clone(), zeros.clone()), (zeros, ones)])?;
/// assert_eq!(loss.into_scalar::<f32>(), 8.0);
/// # Ok::<(), impasto_loss::LossError>(())
/// ```
pub fn content_loss(
    layers: impl IntoIterator<Item = (Tensor<4>, Tensor<4>)>,
) -> Result<Tensor<1>, LossError> {
    let mut total: Option<Tensor<1>> = None;
    for (features, target) in layers {
        let layer = content_layer_loss(features, target)?;
        total = Some(match total {
            Some(sum) => sum + layer,
            None => layer,
        });
    }
    total.ok_or(LossError::EmptyLayers {
        term: Term::Content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_gradient, constant_like, pseudo_random, scalar, tensor};

    #[test]
    fn hand_computed_two_by_two() {
        // F = [[1, 2], [3, 4]], P = [[0, 2], [5, 1]]: differences 1, 0, −2, 3.
        let f = tensor(&[1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2]);
        let p = tensor(&[0.0, 2.0, 5.0, 1.0], [1, 1, 2, 2]);
        let loss = content_layer_loss(f, p).unwrap();
        assert_eq!(scalar(loss), 0.5 * (1.0 + 0.0 + 4.0 + 9.0));
    }

    #[test]
    fn sums_over_layers_and_broadcasts_a_target_of_batch_one() {
        let f = tensor(&[1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0], [2, 1, 2, 2]);
        let p = tensor(&[1.0, 1.0, 1.0, 1.0], [1, 1, 2, 2]);
        // Item 0: ½(0 + 1 + 4 + 9) = 7; item 1: ½ · 4 = 2.
        let one = content_layer_loss(f.clone(), p.clone()).unwrap();
        assert_eq!(scalar(one), 9.0);
        let two = content_loss([(f.clone(), p.clone()), (f, p)]).unwrap();
        assert_eq!(scalar(two), 18.0);
    }

    #[test]
    fn rejects_mismatches_and_empty_lists() {
        let f = tensor(&[0.0; 8], [1, 2, 2, 2]);
        let wrong_channels = tensor(&[0.0; 4], [1, 1, 2, 2]);
        let wrong_size = tensor(&[0.0; 4], [1, 2, 1, 2]);
        let wrong_batch = tensor(&[0.0; 24], [3, 2, 2, 2]);
        assert!(matches!(
            content_layer_loss(f.clone(), wrong_channels),
            Err(LossError::ChannelMismatch {
                expected: 1,
                found: 2
            })
        ));
        assert!(matches!(
            content_layer_loss(f.clone(), wrong_size),
            Err(LossError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            content_layer_loss(f, wrong_batch),
            Err(LossError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            content_loss([]),
            Err(LossError::EmptyLayers {
                term: Term::Content
            })
        ));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let shape = [1, 2, 2, 3];
        let x = pseudo_random(12, 1);
        let target: Vec<f64> = pseudo_random(12, 2);
        check_gradient(
            |f| {
                let p = constant_like(&target, shape, &f);
                content_layer_loss(f, p).unwrap()
            },
            &x,
            shape,
            1e-8,
        );
    }
}
