//! Winograd's filter transform `U = G g Gᵀ`.

use rayon::prelude::*;

use crate::conv3x3::Conv3x3Shape;

/// Which filters a call convolves with, both read from a forward convolution's
/// `[channels_out, channels_in, 3, 3]` weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filters {
    /// The weights as they are: the forward convolution.
    Forward,
    /// The weights rotated by 180° with input and output channels swapped: the convolution
    /// that gives the forward's input gradient from its output gradient.
    InputGradient,
}

/// The transformed filters `U[ξ] = (G g Gᵀ)[ξ]`, laid out `[channels_out, 16,
/// channels_in]` for the convolution of `shape` (its own channels, not the forward's when
/// `filters` is [`Filters::InputGradient`]): each output channel's rows are one block, so
/// the threads write them in place; `U[ξ]` is read with row stride `16 · channels_in`.
pub(crate) fn transform_filters(
    weights: &[f32],
    shape: Conv3x3Shape,
    filters: Filters,
) -> Vec<f32> {
    let (outs, ins) = (shape.channels_out, shape.channels_in);
    let mut transformed = vec![0.0f32; 16 * outs * ins];
    transformed
        .par_chunks_mut(16 * ins.max(1))
        .enumerate()
        .for_each(|(o, row)| {
            for c in 0..ins {
                let g: [f32; 9] = std::array::from_fn(|k| match filters {
                    Filters::Forward => weights[(o * ins + c) * 9 + k],
                    // Forward weights [ins_f = outs][outs_f = ins]: w_f[c][o][8 − k].
                    Filters::InputGradient => weights[(c * outs + o) * 9 + 8 - k],
                });
                // G g: 4×3, rows (g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2) over ky.
                let mut gg = [[0.0f32; 3]; 4];
                for kx in 0..3 {
                    let (g0, g1, g2) = (g[kx], g[3 + kx], g[6 + kx]);
                    gg[0][kx] = g0;
                    gg[1][kx] = 0.5 * (g0 + g1 + g2);
                    gg[2][kx] = 0.5 * (g0 - g1 + g2);
                    gg[3][kx] = g2;
                }
                for (a, r) in gg.iter().enumerate() {
                    let u = [
                        r[0],
                        0.5 * (r[0] + r[1] + r[2]),
                        0.5 * (r[0] - r[1] + r[2]),
                        r[2],
                    ];
                    for (b, value) in u.into_iter().enumerate() {
                        row[(a * 4 + b) * ins + c] = value;
                    }
                }
            }
        });
    transformed
}
