//! What the kernel tests share: the convolution's definition summed in f64, the shapes
//! and seeded values (the one test generator) it is checked on, the largest difference
//! between two results, and VGG's convolution as a burn module.

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Device, Tensor, TensorData};

use crate::conv3x3::Conv3x3Shape;
use crate::scratch::with_scratch;

/// The definition, summed in f64: the reference the fast path is held to.
pub(crate) fn direct(
    input: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    s: Conv3x3Shape,
) -> Vec<f32> {
    let (h, w) = (s.height as isize, s.width as isize);
    let plane = s.height * s.width;
    let mut out = vec![0.0f32; s.batch * s.channels_out * plane];
    for n in 0..s.batch {
        for o in 0..s.channels_out {
            for y in 0..h {
                for x in 0..w {
                    let mut sum = bias.map_or(0.0, |b| f64::from(b[o]));
                    for c in 0..s.channels_in {
                        for k in 0..9 {
                            let (iy, ix) = (y + k as isize / 3 - 1, x + k as isize % 3 - 1);
                            if iy < 0 || ix < 0 || iy >= h || ix >= w {
                                continue;
                            }
                            let pixel =
                                input[((n * s.channels_in + c) * plane) + (iy * w + ix) as usize];
                            let weight = weights[(o * s.channels_in + c) * 9 + k];
                            sum += f64::from(pixel) * f64::from(weight);
                        }
                    }
                    out[(n * s.channels_out + o) * plane + (y * w + x) as usize] = sum as f32;
                }
            }
        }
    }
    out
}

/// `len` values in `[-0.5, 0.5)` from a 64-bit LCG seeded with `seed`: the same values on
/// every machine.
pub(crate) fn values(len: usize, seed: u64) -> Vec<f32> {
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

/// `(batch, channels_in, channels_out, height, width)`.
pub(crate) type Dims = (usize, usize, usize, usize, usize);

/// Shapes both convolutions are held to the definition on: one and many tiles per image,
/// tiles cut short at the right and bottom, widths of 1 and 2 (every shift leaves the
/// image), more than one image, and a row wider than many tiles.
pub(crate) const SHAPES: [Dims; 6] = [
    (1, 3, 4, 5, 7),
    (2, 5, 6, 9, 11),
    (1, 2, 3, 1, 1),
    (1, 4, 2, 6, 2),
    (3, 8, 5, 40, 33),
    (1, 3, 2, 3, 600),
];

pub(crate) fn shape((batch, channels_in, channels_out, height, width): Dims) -> Conv3x3Shape {
    Conv3x3Shape {
        batch,
        channels_in,
        channels_out,
        height,
        width,
    }
}

/// Each of `shapes` as a convolution to test: its shape and seeded `[input, weights,
/// bias]`, the `i`-th drawn with the seeds `salt · i + 1`, `+ 2` and `+ 3` (each test its
/// own salt).
pub(crate) fn cases(
    shapes: &[Dims],
    salt: u64,
) -> impl Iterator<Item = (Conv3x3Shape, [Vec<f32>; 3])> + '_ {
    shapes.iter().enumerate().map(move |(i, &dims)| {
        let s = shape(dims);
        let seed = salt * i as u64;
        let input = values(s.batch * s.channels_in * s.plane(), seed + 1);
        let weights = values(s.channels_out * s.channels_in * 9, seed + 2);
        (s, [input, weights, values(s.channels_out, seed + 3)])
    })
}

pub(crate) fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        // NaN counts as infinitely far (`f32::max` would skip it).
        .map(|d| if d.is_nan() { f32::INFINITY } else { d })
        .fold(0.0, f32::max)
}

/// `∂L/∂input[n, c, iy, ix] = Σ_{o, k} w[o, c, k] · g[n, o, iy − ky + 1, ix − kx + 1]` for
/// the convolution of `s`, summed in f64: the convolution of the output gradient `g` with
/// the filters transposed (`[channels_in, channels_out]`) and turned by 180° (`k → 8 − k`,
/// so `ky − 1 → 1 − ky`).
pub(crate) fn direct_input_gradient(
    grad_out: &[f32],
    weights: &[f32],
    s: Conv3x3Shape,
) -> Vec<f32> {
    let mut turned = vec![0.0f32; weights.len()];
    for o in 0..s.channels_out {
        for c in 0..s.channels_in {
            for k in 0..9 {
                turned[(c * s.channels_out + o) * 9 + 8 - k] =
                    weights[(o * s.channels_in + c) * 9 + k];
            }
        }
    }
    direct(grad_out, &turned, None, s.transposed())
}

/// Fills every thread's kernel scratch with NaN, so an element a kernel leaves
/// unwritten shows in the result.
pub(crate) fn poison_scratch() {
    let poison = || with_scratch(1 << 18, |scratch| scratch.fill(f32::NAN));
    poison();
    rayon::broadcast(|_| poison());
}

/// A frozen 3×3, stride 1, padding 1 convolution with these weights
/// (`[channels_out, channels_in, 3, 3]`) and bias (`[channels_out]`), as VGG builds them.
pub(crate) fn conv_from_data(weight: TensorData, bias: TensorData, device: &Device) -> Conv2d {
    let weight = Tensor::<4>::from_data(weight, device);
    let [channels_out, channels_in, _, _] = weight.dims();
    // The config's initializer is lazy: its parameters are replaced before it draws any.
    Conv2d {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(Tensor::from_data(bias, device))),
        ..Conv2dConfig::new([channels_in, channels_out], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(device)
    }
    .no_grad()
}
