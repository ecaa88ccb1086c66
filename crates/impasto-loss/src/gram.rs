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
/// In `f32`, each entry is a sum of `M_l` products; the matrix product (burn's matmul, or
/// on flex impasto's kernel, which also splits the sum between threads) accumulates them
/// in blocks, and at 512 px (`M = 262 144` at `relu1_1`) the measured
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
    #[cfg(feature = "flex")]
    if let Some(gram) = impasto_kernels::gram(&matrix) {
        return gram;
    }
    // The transpose is a strided view; the matmul reads it without a copy.
    matrix.clone().matmul(matrix.swap_dims(1, 2))
}

/// [`gram`] for a loss that is a symmetric function of `G` (such as the style loss,
/// `Σ (G − A)²` with a symmetric `A`): the same values, a cheaper backward pass.
///
/// Autodiff differentiates `F Fᵀ` through both factors, `dF = dG·F + (Fᵀ·dG)ᵀ`: two
/// products and the sum of a matrix with a transposed one, which walks memory across
/// the grain. When `dG` is symmetric that is `2·dG·F`. So `G` is computed as
/// `F·detach(F)ᵀ`, whose backward is the single product `dG·F`, and returned as
/// `2G − detach(G)`: the value is `G` exactly (`2G − G` is exact in floating point),
/// the gradient is doubled: on burn-flex, Gram forward and backward of the five style
/// layers took less than half the time (docs/benchmarks.md has the figures).
///
/// The gradient is wrong for a loss that is not symmetric in `G` (it is that of the
/// loss symmetrised); use [`gram`] there. On flex both are the same single operation
/// (`impasto_kernels::gram`), exact for any loss.
///
/// # Shapes
/// As [`gram`].
pub(crate) fn gram_for_symmetric_loss(features: Tensor<4>) -> Tensor<3> {
    let [batch, channels, height, width] = features.dims();
    let matrix = features.reshape([batch, channels, height * width]);
    // On flex the Gram is one operation whose backward is already a single product.
    #[cfg(feature = "flex")]
    if let Some(gram) = impasto_kernels::gram(&matrix) {
        return gram;
    }
    let g = matrix.clone().matmul(matrix.detach().swap_dims(1, 2));
    g.clone().mul_scalar(2.0) - g.detach()
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
    fn symmetric_loss_variant_has_the_same_value_and_gradient() {
        // Σ (G − A)² with a symmetric A, through both formulations, batch 2.
        let shape = [2, 3, 4, 5];
        let x = pseudo_random(120, 11);
        let a = pseudo_random(9, 12);
        let a: Vec<f64> = (0..9).map(|k| a[k] + a[(k % 3) * 3 + k / 3]).collect();
        let loss = |g: Tensor<3>| {
            let target = constant_like(&a, [1, 3, 3], &g);
            (g - target).square().sum()
        };
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let run = |symmetric: bool| {
            let f = tensor(&x32, shape).autodiff().require_grad();
            let g = match symmetric {
                true => gram_for_symmetric_loss(f.clone()),
                false => gram(f.clone()),
            };
            let value = g.clone().inner();
            let grads = loss(g).backward();
            (values(value), values(f.grad(&grads).unwrap()))
        };
        let (g_plain, d_plain) = run(false);
        let (g_sym, d_sym) = run(true);
        assert_eq!(g_sym, g_plain);
        let scale = d_plain.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
        for (s, p) in d_sym.iter().zip(&d_plain) {
            assert!((s - p).abs() <= 1e-5 * scale, "{s} vs {p}");
        }
        check_gradient(|f| loss(gram_for_symmetric_loss(f)), &x, shape, 1e-8);
    }

    /// On flex in f32 the Gram runs impasto's kernel; against burn's matmul formulation,
    /// value and gradient, with a non-symmetric upstream gradient, batch 2.
    #[cfg(feature = "flex")]
    #[test]
    fn flex_kernel_matches_burns_matmul() {
        use burn::tensor::{Device, Distribution};
        let device = Device::flex().autodiff();
        for shape in [[2, 3, 5, 7], [1, 64, 16, 16]] {
            device.seed(5);
            let f = Tensor::<4>::random(shape, Distribution::Uniform(-1.0, 1.0), &device);
            let [b, c, h, w] = shape;
            let weights = Tensor::<3>::random([b, c, c], Distribution::Uniform(-1.0, 1.0), &device);
            let run = |fast: bool| {
                let f = f.clone().require_grad();
                let g = if fast {
                    gram(f.clone())
                } else {
                    let m = f.clone().reshape([b, c, h * w]);
                    m.clone().matmul(m.swap_dims(1, 2))
                };
                let grads = (g.clone() * weights.clone()).sum().backward();
                (values(g.inner()), values(f.grad(&grads).unwrap()))
            };
            let ((g_fast, d_fast), (g_burn, d_burn)) = (run(true), run(false));
            let close = |a: &[f64], b: &[f64]| {
                let scale = b.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
                a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-5 * scale)
            };
            assert!(close(&g_fast, &g_burn), "values, {shape:?}");
            assert!(close(&d_fast, &d_burn), "gradients, {shape:?}");
        }
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
