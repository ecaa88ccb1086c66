//! The 3×3, stride 1, padding 1 convolution on `f32` slices by im2col: one tile of output
//! rows at a time, then one matrix product per tile written straight into the output.
//!
//! Why not burn-flex's convolution: it converts the whole input to NHWC, builds im2col
//! tiles in that order, multiplies into a fresh buffer per tile and scatters the result
//! back into NCHW, copying every result twice. Here a tile is built straight from NCHW rows (each im2col row is a shifted copy of
//! input rows, so it is a handful of `memcpy`s) and the product lands in the output with
//! its row stride, so no intermediate result exists. Measured in docs/benchmarks.md.
//!
//! Most of VGG16's layers take [`crate::winograd`] instead (fewer multiplications; the
//! extension chooses by [`crate::winograd::winograd_tile`]); this path keeps the
//! forward of 3-channel inputs and tiny images.

mod tiles;

use rayon::prelude::*;

use crate::matrix::{Accum, Layout, MatRef, gemm};
use crate::memory::zeros;
use tiles::for_each_tile;

/// The shapes of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Conv3x3Shape {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Height of input and output.
    pub height: usize,
    /// Width of input and output.
    pub width: usize,
}

impl Conv3x3Shape {
    pub(crate) fn plane(&self) -> usize {
        self.height * self.width
    }

    /// Columns of the weight matrix: `channels_in · 9`.
    fn patch(&self) -> usize {
        self.channels_in * 9
    }

    /// The convolution that gives this one's input gradient: channels swapped.
    pub(crate) fn transposed(self) -> Self {
        Conv3x3Shape {
            channels_in: self.channels_out,
            channels_out: self.channels_in,
            ..self
        }
    }
}

/// `out[n, o, y, x] = bias[o] + Σ_{c, ky, kx} weights[o, c·9 + 3·ky + kx] · input[n, c, y + ky − 1, x + kx − 1]`,
/// with zeros outside the image.
///
/// `weights` is `[channels_out, channels_in, 3, 3]` read as the `[channels_out,
/// channels_in · 9]` matrix it is in memory.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]`, contiguous
/// - weights: `[channels_out, channels_in · 9]`, contiguous
/// - bias: `[channels_out]`
/// - output: `[batch, channels_out, height, width]`, contiguous
///
/// With `relu`, the output is `max(out, 0)` (NaN kept), applied to each tile while it is
/// still in cache instead of as another pass over the whole output.
pub(crate) fn conv3x3_same(
    input: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    shape: Conv3x3Shape,
    relu: bool,
) -> Vec<f32> {
    let plane = shape.plane();
    assert_eq!(input.len(), shape.batch * shape.channels_in * plane);
    assert_eq!(weights.len(), shape.channels_out * shape.patch());
    if let Some(bias) = bias {
        assert_eq!(bias.len(), shape.channels_out);
    }
    let len = shape.batch * shape.channels_out * plane;
    // Zeroed by all the threads (a fill on this thread alone was the serial part), then
    // replaced by each tile's product; the bias goes in with the ReLU's pass.
    let mut output = zeros(len);
    let finish = |value: f32, bias: f32| {
        let value = value + bias;
        // A select, stored unconditionally, so it vectorises: a conditional store was a
        // scalar loop with a mispredicted branch per element (6 % of an evaluation in
        // `perf`).
        if relu & (value <= 0.0) { 0.0 } else { value }
    };
    if len == 0 || shape.channels_in == 0 {
        // The empty sum: the bias alone.
        for (i, values) in output.chunks_exact_mut(plane.max(1)).enumerate() {
            let bias = bias.map_or(0.0, |bias| bias[i % shape.channels_out]);
            values
                .iter_mut()
                .for_each(|value| *value = finish(0.0, bias));
        }
        return output;
    }
    let weights = MatRef::new(
        weights,
        Layout::row_major(0, shape.channels_out, shape.patch()),
    );
    for_each_tile(
        shape,
        shape.channels_in,
        input,
        &mut output,
        |tile, columns, mut destination, parallelism| {
            // [channels_out, patch] · [patch, pixels].
            let columns = MatRef::new(columns, Layout::row_major(0, shape.patch(), tile.pixels));
            gemm(
                destination.rb_mut(),
                Accum::Replace,
                weights,
                columns,
                parallelism,
            );
            if bias.is_some() || relu {
                for o in 0..destination.rows() {
                    let bias = bias.map_or(0.0, |bias| bias[o]);
                    for value in destination.row_mut(o) {
                        *value = finish(*value, bias);
                    }
                }
            }
        },
    );
    output
}

/// `∂L/∂input` of [`conv3x3_same`] with these `weights` and `shape`, given
/// `output_gradient = ∂L/∂output`:
/// `∂L/∂input[n, c, i, j] = Σ_{o, ky, kx} weights[o, c·9 + 3·ky + kx] · output_gradient[n, o, i − ky + 1, j − kx + 1]`.
///
/// The same tiles, built from the output gradient: im2col row `o·9 + k'` holds
/// `output_gradient[o]` shifted by `(ky' − 1, kx' − 1)`, which is the shift weight
/// `8 − k'` pairs with. So the product splits into nine, one per `k'`, each
/// `weights[:, :, 8 − k']ᵀ · columns[k' rows]` with both operands read through strides:
/// no rotated, transposed copy of the weights is ever made.
///
/// After a fused ReLU, pass the output gradient through [`relu_gradient_in_place`] first.
///
/// # Shapes
/// - output_gradient: `[batch, channels_out, height, width]`, contiguous
/// - weights: `[channels_out, channels_in · 9]`, contiguous
/// - output: `[batch, channels_in, height, width]`, contiguous
pub(crate) fn conv3x3_same_input_gradient(
    output_gradient: &[f32],
    weights: &[f32],
    shape: Conv3x3Shape,
) -> Vec<f32> {
    let plane = shape.plane();
    assert_eq!(
        output_gradient.len(),
        shape.batch * shape.channels_out * plane
    );
    assert_eq!(weights.len(), shape.channels_out * shape.patch());
    let mut gradient = vec![0.0f32; shape.batch * shape.channels_in * plane];
    if gradient.is_empty() || shape.channels_out == 0 {
        return gradient;
    }
    for_each_tile(
        shape.transposed(),
        shape.channels_out,
        output_gradient,
        &mut gradient,
        |tile, columns, mut destination, parallelism| {
            for shift in 0..9 {
                // weights[o, c, 8 − shift] as a [channels_in, channels_out] matrix, and
                // the tile's im2col rows o·9 + shift as [channels_out, pixels].
                let weights = MatRef::new(
                    weights,
                    Layout {
                        start: 8 - shift,
                        rows: shape.channels_in,
                        cols: shape.channels_out,
                        row_stride: 9,
                        col_stride: shape.patch(),
                    },
                );
                let columns = MatRef::new(
                    columns,
                    Layout {
                        start: shift * tile.pixels,
                        rows: shape.channels_out,
                        cols: tile.pixels,
                        row_stride: 9 * tile.pixels,
                        col_stride: 1,
                    },
                );
                let accum = if shift > 0 {
                    Accum::Add
                } else {
                    Accum::Replace
                };
                gemm(destination.rb_mut(), accum, weights, columns, parallelism);
            }
        },
    );
    gradient
}

/// The gradient through a ReLU, in place: zero where the ReLU's output is ≤ 0.
///
/// # Shapes
/// - gradient, relu_output: the same length
pub(crate) fn relu_gradient_in_place(gradient: &mut [f32], relu_output: &[f32]) {
    assert_eq!(gradient.len(), relu_output.len());
    const CHUNK: usize = 1 << 14;
    gradient
        .par_chunks_mut(CHUNK)
        .zip(relu_output.par_chunks(CHUNK))
        .for_each(|(gradient, output)| {
            for (g, &y) in gradient.iter_mut().zip(output) {
                *g = if y > 0.0 { *g } else { 0.0 };
            }
        });
}

#[cfg(test)]
mod tests;
