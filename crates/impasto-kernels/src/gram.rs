//! The Gram matrix `G = F·Fᵀ` on `f32` slices, and its input gradient.
//!
//! Why not burn's matmul: `F·Fᵀ` is `[C, P]·[P, C]` with few channels and many positions
//! (64 × 50 176 at relu1_1, 224 px). gemm parallelises over the output's 64 × 64 block and
//! not over the sum, so one thread did nearly all of it; burn's autodiff then
//! differentiated it as two products and a transposed add. Here the forward splits the
//! positions between the threads (a partial Gram each, summed), and the backward is the
//! single product `(dG + dGᵀ)·F`, exact for any loss. The throughputs of both are in
//! docs/benchmarks.md.

use rayon::prelude::*;

use crate::matrix::{Accum, Layout, MatMut, MatRef, gemm};
use crate::memory::zeros;

/// `G[b] = F[b]·F[b]ᵀ` for `features` `[batch, channels, positions]`, row-major.
///
/// With enough positions per channel the sum is split over the threads, one partial Gram
/// each, added at the end: gemm alone splits only the small `channels × channels` output,
/// leaving one thread the work for the shallow layers. With few positions (deep layers,
/// 512 × 784 and fewer) gemm's own split was as fast or faster, so those stay whole
/// (docs/benchmarks.md has the figures).
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
            product_f_ft(
                g,
                f,
                channels,
                positions,
                0..positions,
                gemm::Parallelism::Rayon(0),
            );
            continue;
        }
        let chunk = positions.div_ceil(parts);
        let partials: Vec<Vec<f32>> = (0..parts)
            .into_par_iter()
            .map(|part| {
                let start = (part * chunk).min(positions);
                let end = ((part + 1) * chunk).min(positions);
                let mut partial = vec![0.0f32; channels * channels];
                product_f_ft(
                    &mut partial,
                    f,
                    channels,
                    positions,
                    start..end,
                    gemm::Parallelism::None,
                );
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

/// `g = f[:, columns]·f[:, columns]ᵀ` for `f` `[channels, positions]`: `f` read from
/// column `columns.start` as it is and as its transpose, through strides.
fn product_f_ft(
    g: &mut [f32],
    f: &[f32],
    channels: usize,
    positions: usize,
    columns: std::ops::Range<usize>,
    parallelism: gemm::Parallelism,
) {
    assert!(columns.start <= columns.end && columns.end <= positions);
    let summed = columns.end - columns.start;
    let lhs = MatRef::new(
        f,
        Layout {
            start: columns.start,
            rows: channels,
            cols: summed,
            row_stride: positions,
            col_stride: 1,
        },
    );
    let rhs = MatRef::new(
        f,
        Layout {
            start: columns.start,
            rows: summed,
            cols: channels,
            row_stride: 1,
            col_stride: positions,
        },
    );
    let g = MatMut::new(g, Layout::row_major(0, channels, channels));
    gemm(g, Accum::Replace, lhs, rhs, parallelism);
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
    let mut output = zeros(features.len());
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
        gemm(
            MatMut::new(df, Layout::row_major(0, channels, positions)),
            Accum::Replace,
            MatRef::new(&symmetric, Layout::row_major(0, channels, channels)),
            MatRef::new(f, Layout::row_major(0, channels, positions)),
            gemm::Parallelism::Rayon(0),
        );
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::values;

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
