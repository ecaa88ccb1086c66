//! Gram matrices: the correlations between a layer's channels.

use burn::tensor::Tensor;

/// The Gram matrix `G = F Fᵀ` of each batch item, **not normalised**.
///
/// Each item's activations `[N_l, H_l, W_l]` are read as the matrix `F` of `N_l` rows
/// (channels) by `M_l = H_l·W_l` columns (positions), and `G_ij = Σ_k F_ik F_jk`.
/// Dividing by `M_l` (or `N_l·M_l`) is left to the losses, so this is exactly the
/// paper's `G^l`.
///
/// # Accuracy
/// In `f32`, each entry is a sum of `M_l` products; burn's matrix multiplication
/// accumulates them in blocks, and at 512 px (`M = 262 144` at `relu1_1`) the measured
/// error is far below the loss's 1e-4 contract (see `docs/maths.md`, "Precision", and
/// the test `gram_f32_accuracy_at_512_px`), so no extra scaling or blocking is done.
///
/// # Shapes
/// - `features`: `[B, N_l, H_l, W_l]`
/// - output: `[B, N_l, N_l]`
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::gram;
///
/// let device = Device::flex();
/// // Two channels over 2×2 positions: rows (1, 2, 3, 4) and (0, 1, 0, −1).
/// let f = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, -1.0], &device)
///     .reshape([1, 2, 2, 2]);
/// let g = gram(f);
/// assert_eq!(g.dims(), [1, 2, 2]);
/// assert_eq!(g.try_into_vec_as::<f32>()?, vec![30.0, -2.0, -2.0, 2.0]);
/// # Ok::<(), burn::tensor::TensorReadError>(())
/// ```
pub fn gram(features: Tensor<4>) -> Tensor<3> {
    let [batch, channels, height, width] = features.dims();
    let matrix = features.reshape([batch, channels, height * width]);
    // The transpose is a strided view; the matmul reads it without a copy.
    matrix.clone().matmul(matrix.swap_dims(1, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_gradient, constant_like, pseudo_random, tensor, values};

    #[test]
    fn hand_computed_two_by_two() {
        // Batch of two: the doc example's features, and a single channel (1, 1, 1, 1).
        let f = tensor(&[1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 0.0, -1.0], [1, 2, 2, 2]);
        assert_eq!(values(gram(f)), vec![30.0, -2.0, -2.0, 2.0]);
        let batch = tensor(&[1.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], [2, 1, 2, 2]);
        assert_eq!(values(gram(batch)), vec![5.0, 4.0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // A scalar function of G with a non-symmetric weighting, so that both factors
        // of F Fᵀ contribute to the gradient: Σ_ij W_ij G_ij.
        let shape = [1, 3, 2, 2];
        let x = pseudo_random(12, 3);
        let w = pseudo_random(9, 4);
        check_gradient(
            |f| {
                let weights = constant_like(&w, [1, 3, 3], &f);
                (gram(f) * weights).sum()
            },
            &x,
            shape,
            1e-8,
        );
    }
}
