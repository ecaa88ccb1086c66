//! The Gram matrix on burn-flex as one operation with its own backward (a burn backend
//! extension, like impasto-vgg's convolution).
//!
//! Why: `F·Fᵀ` is `[C, P]·[P, C]` with few channels and many positions (64 × 50 176 at
//! relu1_1, 224 px). gemm parallelises over the output's 64 × 64 block and not over the
//! sum, so one thread did nearly all of it (40 GFLOP/s measured); burn's autodiff then
//! differentiated it as two products and a transposed add. Here the forward splits the
//! positions between the threads (a partial Gram each, summed: 140–275 GFLOP/s on the
//! 2-core VM), and the backward is the single product `(dG + dGᵀ)·F`, exact for any loss.

// gemm's entry point takes raw pointers; each block says why it holds.
#![allow(unsafe_code)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::{DType, Device, Tensor, TensorData};
use rayon::prelude::*;

/// A backend with the Gram matrix as a single operation.
#[backend_extension(Flex, Autodiff)]
pub(crate) trait GramKernels: Backend {
    /// `G = F·Fᵀ` per batch item.
    ///
    /// # Shapes
    /// - features: `[batch, channels, positions]`, `f32`
    /// - output: `[batch, channels, channels]`
    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The Gram matrix through the fast kernel if `features` (`[B, C, P]`) is an `f32` tensor
/// on flex, `None` otherwise.
pub(crate) fn gram_on_flex(features: &Tensor<3>) -> Option<Tensor<3>> {
    if features.device() != Device::flex() || features.dtype() != DType::F32 {
        return None;
    }
    let output = <Dispatch as GramKernels>::gram_f32(features.clone().into_dispatch());
    Some(Tensor::from_dispatch(output))
}

impl GramKernels for Flex {
    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self> {
        let shape = features.shape();
        let (batch, channels, positions) = (shape[0], shape[1], shape[2]);
        let features = features.to_contiguous();
        let values = gram(f32_slice(&features), batch, channels, positions);
        let data = TensorData::new(values, [batch, channels, channels]);
        Flex::float_from_data(data, &Default::default())
    }
}

impl<C: CheckpointStrategy> GramKernels for Autodiff<Flex, C> {
    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self> {
        /// The backward: `dF = (dG + dGᵀ)·F`.
        #[derive(Debug)]
        struct GramGradient;

        impl Backward<Flex, 1> for GramGradient {
            /// The features (a reference to their buffer, which the layer keeps anyway).
            type State = FloatTensor<Flex>;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let [features_node] = ops.parents;
                let gram_gradient = grads.consume::<Flex>(&ops.node).to_contiguous();
                if let Some(node) = features_node {
                    let features = ops.state.to_contiguous();
                    let shape = features.shape();
                    let (batch, channels, positions) = (shape[0], shape[1], shape[2]);
                    let values = gram_input_gradient(
                        f32_slice(&features),
                        f32_slice(&gram_gradient),
                        batch,
                        channels,
                        positions,
                    );
                    let data = TensorData::new(values, [batch, channels, positions]);
                    grads.register::<Flex>(
                        node.id,
                        Flex::float_from_data(data, &Default::default()),
                    );
                }
            }
        }

        match GramGradient
            .prepare::<C>([features.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let state = features.primitive().clone();
                prep.finish(state, Flex::gram_f32(features.into_primitive()))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::gram_f32(features.into_primitive())),
        }
    }
}

/// The elements of a contiguous `f32` flex tensor (the caller checked the dtype).
fn f32_slice(tensor: &FloatTensor<Flex>) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("a contiguous f32 tensor has an f32 slice")
}

/// `G[b] = F[b]·F[b]ᵀ` for `features` `[batch, channels, positions]`, row-major.
///
/// With enough positions per channel the sum is split over the threads, one partial Gram
/// each, added at the end (measured on the 2-core VM, 224 px: relu1_1 10.3 → 2.9 ms,
/// relu2_1 3.5 → 1.7, relu3_1 2.5 → 1.5; at 512 × 784 and 512 × 196 gemm's own split
/// of the output was as fast or faster, so those stay whole).
pub(crate) fn gram(features: &[f32], batch: usize, channels: usize, positions: usize) -> Vec<f32> {
    assert_eq!(features.len(), batch * channels * positions);
    let mut output = vec![0.0f32; batch * channels * channels];
    if output.is_empty() || positions == 0 {
        return output;
    }
    let threads = rayon::current_num_threads();
    let parts = if positions >= 4 * channels {
        threads.max(1)
    } else {
        1
    };
    for (f, g) in features
        .chunks_exact(channels * positions)
        .zip(output.chunks_exact_mut(channels * channels))
    {
        if parts == 1 {
            // SAFETY: `g` is `[channels, channels]`, `f` is `[channels, positions]`, read as
            // `f` and as its transpose through strides; all indices are inside the slices.
            unsafe {
                product_f_ft(
                    g,
                    f,
                    channels,
                    positions,
                    0,
                    positions,
                    gemm::Parallelism::Rayon(0),
                )
            };
            continue;
        }
        let chunk = positions.div_ceil(parts);
        let partials: Vec<Vec<f32>> = (0..parts)
            .into_par_iter()
            .map(|part| {
                let start = (part * chunk).min(positions);
                let end = ((part + 1) * chunk).min(positions);
                let mut partial = vec![0.0f32; channels * channels];
                // SAFETY: as above, over the columns `start..end` of `f`.
                unsafe {
                    product_f_ft(
                        &mut partial,
                        f,
                        channels,
                        positions,
                        start,
                        end,
                        gemm::Parallelism::None,
                    )
                };
                partial
            })
            .collect();
        for partial in &partials {
            for (total, value) in g.iter_mut().zip(partial) {
                *total += value;
            }
        }
    }
    output
}

/// `g = f[:, start..end]·f[:, start..end]ᵀ` for `f` `[channels, positions]`.
///
/// # Safety
/// `g.len() == channels²`, `f.len() == channels · positions`, `start ≤ end ≤ positions`.
unsafe fn product_f_ft(
    g: &mut [f32],
    f: &[f32],
    channels: usize,
    positions: usize,
    start: usize,
    end: usize,
    parallelism: gemm::Parallelism,
) {
    debug_assert!(g.len() == channels * channels && f.len() == channels * positions);
    debug_assert!(start <= end && end <= positions);
    // SAFETY: the caller's contract; lhs is `f` from column `start` (row stride
    // `positions`), rhs is its transpose (column stride `positions`), both `end − start`
    // long in the summed dimension.
    unsafe {
        gemm::gemm(
            channels,
            channels,
            end - start,
            g.as_mut_ptr(),
            1,
            channels as isize,
            false,
            f.as_ptr().add(start),
            1,
            positions as isize,
            f.as_ptr().add(start),
            positions as isize,
            1,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `dF[b] = (dG[b] + dG[b]ᵀ)·F[b]`: the gradient of `G = F·Fᵀ` for any `dG`.
///
/// # Shapes
/// - features: `[batch, channels, positions]`
/// - gram_gradient: `[batch, channels, channels]`
/// - output: like features
pub(crate) fn gram_input_gradient(
    features: &[f32],
    gram_gradient: &[f32],
    batch: usize,
    channels: usize,
    positions: usize,
) -> Vec<f32> {
    assert_eq!(features.len(), batch * channels * positions);
    assert_eq!(gram_gradient.len(), batch * channels * channels);
    let mut output = vec![0.0f32; features.len()];
    if output.is_empty() {
        return output;
    }
    for ((f, dg), df) in features
        .chunks_exact(channels * positions)
        .zip(gram_gradient.chunks_exact(channels * channels))
        .zip(output.chunks_exact_mut(channels * positions))
    {
        let mut symmetric = vec![0.0f32; channels * channels];
        for i in 0..channels {
            for j in 0..channels {
                symmetric[i * channels + j] = dg[i * channels + j] + dg[j * channels + i];
            }
        }
        // SAFETY: `df` and `f` are `[channels, positions]`, `symmetric` `[channels,
        // channels]`, all row-major with the strides given.
        unsafe {
            gemm::gemm(
                channels,
                positions,
                channels,
                df.as_mut_ptr(),
                1,
                positions as isize,
                false,
                symmetric.as_ptr(),
                1,
                channels as isize,
                f.as_ptr(),
                1,
                positions as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::Rayon(0),
            );
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    /// Against the sums written out in f64, split and whole, batch of two.
    #[test]
    fn gram_and_its_gradient_match_the_definition() {
        for (batch, channels, positions) in [(2, 3, 50), (1, 5, 7), (1, 1, 1), (2, 4, 3)] {
            let f = values(batch * channels * positions, 1);
            let dg = values(batch * channels * channels, 2);
            let g = gram(&f, batch, channels, positions);
            let df = gram_input_gradient(&f, &dg, batch, channels, positions);
            for b in 0..batch {
                let fb = &f[b * channels * positions..][..channels * positions];
                let dgb = &dg[b * channels * channels..][..channels * channels];
                for i in 0..channels {
                    for j in 0..channels {
                        let sum: f64 = (0..positions)
                            .map(|k| {
                                f64::from(fb[i * positions + k]) * f64::from(fb[j * positions + k])
                            })
                            .sum();
                        let got = g[(b * channels + i) * channels + j];
                        assert!((f64::from(got) - sum).abs() < 1e-5, "G {got} vs {sum}");
                    }
                    for k in 0..positions {
                        // ∂/∂F_ik Σ_ab dG_ab Σ_q F_aq F_bq = Σ_b (dG_ib + dG_bi) F_bk
                        let sum: f64 = (0..channels)
                            .map(|j| {
                                f64::from(dgb[i * channels + j] + dgb[j * channels + i])
                                    * f64::from(fb[j * positions + k])
                            })
                            .sum();
                        let got = df[(b * channels + i) * positions + k];
                        assert!((f64::from(got) - sum).abs() < 1e-5, "dF {got} vs {sum}");
                    }
                }
            }
        }
    }
}
