//! Spatial control of the style (Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017,
//! "Controlling Perceptual Factors in Neural Style Transfer", section 4): the guided Gram
//! matrix of a region, the features weighted by the region's mask, and its style loss
//! normalised by the region's mass.

use burn::tensor::Tensor;

use crate::{LossError, gram, style_layer_loss_over};

/// The guided Gram matrix `G_r = (F ⊙ m)(F ⊙ m)ᵀ` of the region `mask` (values in
/// [0, 1]: white the region, black outside, grey partly), **not normalised** (as
/// [`gram`]).
///
/// An all-white mask gives [`gram`]'s matrix to the bit (each feature times 1.0 is the
/// feature). A position outside the mask contributes nothing, so neither the loss nor its
/// gradient sees it.
///
/// # Shapes
/// - `features`: `[B, N_l, H_l, W_l]`
/// - `mask`: `[B, 1, H_l, W_l]` or `[1, 1, H_l, W_l]` (broadcast over channels and batch),
///   the mask at the layer's size
/// - output: `[B, N_l, N_l]`
///
/// # Errors
/// [`LossError::ShapeMismatch`] if the mask is not one channel at the features' size.
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::{gram, guided_gram};
///
/// let device = Device::flex();
/// let f = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, -1.0], &device)
///     .reshape([1, 2, 2, 2]);
/// // The left column only: positions (0, 0) and (1, 0).
/// let mask = Tensor::<1>::from_floats([1.0, 0.0, 1.0, 0.0], &device).reshape([1, 1, 2, 2]);
/// let g = guided_gram(f.clone(), mask)?;
/// assert_eq!(g.try_into_vec_as::<f32>()?, vec![10.0, 0.0, 0.0, 0.0]);
/// let white = Tensor::<4>::ones([1, 1, 2, 2], &device);
/// assert_eq!(guided_gram(f.clone(), white)?.try_into_vec_as::<f32>()?, gram(f).try_into_vec_as::<f32>()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn guided_gram(features: Tensor<4>, mask: Tensor<4>) -> Result<Tensor<3>, LossError> {
    let [batch, _, height, width] = features.dims();
    let [mask_batch, mask_channels, mask_height, mask_width] = mask.dims();
    if mask_channels != 1
        || (mask_height, mask_width) != (height, width)
        || !(mask_batch == 1 || mask_batch == batch)
    {
        return Err(LossError::ShapeMismatch {
            what: "region mask (one channel at the layer's size)",
            expected: vec![batch, 1, height, width],
            found: mask.dims().to_vec(),
        });
    }
    Ok(gram(features * mask))
}

/// The mass of a region at a layer, `Σ m²` over its positions: the number of positions
/// the guided Gram matrix sums over, as `M_l` is for [`gram`] (an all-white mask's mass
/// is `M_l` exactly). Read once per mask and layer, not per evaluation.
///
/// # Shapes
/// `mask`: `[1, 1, H_l, W_l]`.
pub fn region_mass(mask: &Tensor<4>) -> f64 {
    mask.clone()
        .square()
        .sum()
        .into_data()
        .iter::<f64>()
        .next()
        .unwrap_or(0.0)
}

/// A region's style loss at one layer: [`style_layer_loss`](crate::style_layer_loss) of
/// its guided Gram matrix with the region's mass `Σ m²` in place of `M_l`,
/// `E_r = Σ_ij (G_r − A)² / (4 N_l² mass²)`, so that a region of any size is matched to
/// the style's Gram `A` (scaled, as for the whole image, to `mass` positions).
///
/// With an all-white mask this is the plain layer loss to the bit.
///
/// # Shapes
/// As [`guided_gram`]; `target` `[B or 1, N_l, N_l]`; output `[1]`.
///
/// # Errors
/// As [`guided_gram`] and [`style_layer_loss`](crate::style_layer_loss);
/// [`LossError::NoPositions`] if the mask covers no position (`mass` is 0).
pub fn region_style_layer_loss(
    features: Tensor<4>,
    mask: Tensor<4>,
    target: Tensor<3>,
    mass: f64,
) -> Result<Tensor<1>, LossError> {
    style_layer_loss_over(guided_gram(features, mask)?, target, mass)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, TensorData};

    use super::*;
    use crate::style_layer_loss;
    use crate::testing::{check_gradient, constant_like, device, pseudo_random, tensor, values};

    fn mask_in(values: &[f64], shape: [usize; 4], like: &Tensor<4>) -> Tensor<4> {
        Tensor::<4>::from_data(
            TensorData::new(values.to_vec(), shape),
            (&like.device(), like.dtype()),
        )
    }

    #[test]
    fn an_all_white_mask_is_the_plain_gram_and_loss_to_the_bit() {
        let shape = [1, 4, 6, 5];
        let x: Vec<f32> = pseudo_random(120, 3).iter().map(|&v| v as f32).collect();
        let a: Vec<f32> = pseudo_random(16, 4)
            .iter()
            .map(|&v| v as f32 * 30.0)
            .collect();
        let f = tensor(&x, shape);
        let white = Tensor::<4>::ones([1, 1, 6, 5], &device());
        assert_eq!(
            values(guided_gram(f.clone(), white.clone()).unwrap()),
            values(gram(f.clone()))
        );
        let mass = region_mass(&white);
        assert_eq!(mass, 30.0);
        let target = || tensor(&a, [1, 4, 4]);
        let plain = style_layer_loss(gram(f.clone()), target(), 30).unwrap();
        let region = region_style_layer_loss(f, white, target(), mass).unwrap();
        assert_eq!(values(region), values(plain));
    }

    #[test]
    fn no_gradient_reaches_a_position_outside_the_mask() {
        let shape = [1, 3, 4, 4];
        let x = pseudo_random(48, 7);
        let mask: Vec<f64> = (0..16).map(|k| if k % 4 < 2 { 1.0 } else { 0.0 }).collect();
        let f = Tensor::<4>::from_data(
            TensorData::new(x, shape),
            (&device().autodiff(), DType::F64),
        )
        .require_grad();
        let m = mask_in(&mask, [1, 1, 4, 4], &f);
        let target = constant_like(&pseudo_random(9, 8), [1, 3, 3], &f);
        let loss = region_style_layer_loss(f.clone(), m, target, 8.0).unwrap();
        let gradient = values(f.grad(&loss.backward()).unwrap());
        for (k, g) in gradient.iter().enumerate() {
            let inside = mask[k % 16] > 0.0;
            if inside {
                continue;
            }
            assert_eq!(
                *g,
                0.0,
                "position {} outside the mask has gradient {g}",
                k % 16
            );
        }
        assert!(
            gradient.iter().any(|g| *g != 0.0),
            "the region's gradient is not zero"
        );
    }

    #[test]
    fn the_region_loss_matches_finite_differences() {
        let shape = [1, 3, 4, 3];
        let x = pseudo_random(36, 21);
        // A grey mask: partly in, partly out.
        let mask: Vec<f64> = (0..12).map(|k| (k as f64 / 11.0).powi(2)).collect();
        let mass: f64 = mask.iter().map(|m| m * m).sum();
        let a = pseudo_random(9, 22);
        let a: Vec<f64> = (0..9).map(|k| a[k] + a[(k % 3) * 3 + k / 3]).collect();
        check_gradient(
            |f| {
                let m = mask_in(&mask, [1, 1, 4, 3], &f);
                let target = constant_like(&a, [1, 3, 3], &f);
                region_style_layer_loss(f, m, target, mass).unwrap()
            },
            &x,
            shape,
            1e-7,
        );
    }

    #[test]
    fn a_mask_of_another_size_or_covering_nothing_is_refused() {
        let f = tensor(&[0.5; 24], [1, 2, 3, 4]);
        let wrong = Tensor::<4>::ones([1, 1, 4, 3], &device());
        assert!(guided_gram(f.clone(), wrong).is_err());
        let two_channels = Tensor::<4>::ones([1, 2, 3, 4], &device());
        assert!(guided_gram(f.clone(), two_channels).is_err());
        let black = Tensor::<4>::zeros([1, 1, 3, 4], &device());
        let target = tensor(&[0.0; 4], [1, 2, 2]);
        assert_eq!(region_mass(&black), 0.0);
        assert!(matches!(
            region_style_layer_loss(f, black, target, 0.0),
            Err(LossError::NoPositions)
        ));
    }
}
