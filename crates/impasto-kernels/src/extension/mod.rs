//! The kernels as one burn backend extension: the forwards on burn-flex's tensors
//! (`forward.rs`), and on `Autodiff<Flex>` backwards that compute the input gradient only
//! (`backward.rs`).

mod backward;
mod forward;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata, backend_extension};
use burn::tensor::DType;
use burn::tensor::ops::ConvOptions;

/// A backend with VGG's convolution and pooling and the Gram matrix as single operations.
#[backend_extension(Flex, Autodiff)]
pub(crate) trait FlexKernels: Backend {
    /// `conv2d(input, weight, bias)` with stride 1, padding 1, dilation 1, one group;
    /// with `relu`, followed by a ReLU in the same pass.
    ///
    /// # Shapes
    /// - input: `[batch, channels_in, height, width]`
    /// - weight: `[channels_out, channels_in, 3, 3]`
    /// - bias: `[channels_out]`
    /// - output: `[batch, channels_out, height, width]`
    fn conv3x3_same(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self>;

    /// `max_pool2d(input)` with a 2×2 kernel, stride 2, no padding, floor mode.
    ///
    /// # Shapes
    /// - input: `[batch, channels, height, width]`
    /// - output: `[batch, channels, height / 2, width / 2]`
    fn max_pool2x2(input: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `max_pool2x2(relu(conv2d(input, weight, bias)))`: [`FlexKernels::conv3x3_same`] with
    /// its ReLU, then [`FlexKernels::max_pool2x2`]. On autodiff one node, whose backward
    /// routes the pooled gradient to each window's maximum as the convolution's input
    /// gradient reads it, instead of writing the pool's input gradient out first.
    ///
    /// # Shapes
    /// - input, weight, bias: as for [`FlexKernels::conv3x3_same`]
    /// - output: `[batch, channels_out, height / 2, width / 2]`
    fn conv3x3_relu_max_pool(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `G = F·Fᵀ` per batch item.
    ///
    /// # Shapes
    /// - features: `[batch, channels, positions]`, `f32`
    /// - output: `[batch, channels, channels]`
    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// How many times the fast convolution ran, so tests can tell it from the fallback.
#[cfg(test)]
pub(crate) static FAST_PATH_CALLS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Whether the convolution's input, weight and bias (flex tensors: on autodiff, their
/// primitives) are all `f32`, the one dtype the kernels take.
fn all_f32<T: TensorMetadata>(tensors: [&T; 3]) -> bool {
    tensors.iter().all(|tensor| tensor.dtype() == DType::F32)
}

/// burn's own convolution, and ReLU if asked, for what the fast path does not cover.
fn burn_conv<B: Backend>(
    input: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    relu: bool,
) -> FloatTensor<B> {
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    let output = B::conv2d(input, weight, Some(bias), options);
    if relu { B::relu(output) } else { output }
}

/// burn's own 2×2 max-pool, for what the fast path does not cover.
fn burn_max_pool<B: Backend>(input: FloatTensor<B>) -> FloatTensor<B> {
    B::max_pool2d(input, [2, 2], [2, 2], [0, 0], [1, 1], false)
}
