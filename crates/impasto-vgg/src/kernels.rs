//! The convolution and max-pool exactly as [`Vgg::features`](crate::Vgg::features) runs
//! them, for benchmarks and for code that builds its own layers.
//!
//! With the `flex` feature (the default), a flex device in `f32` takes impasto's own
//! kernels (the `impasto-kernels` crate: burn backend extensions with an input-only
//! backward); every other device or dtype, or a build without `flex`, takes burn's
//! operations. Both give the same results to float rounding.

use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;

/// `conv.forward(input)` as [`Vgg::features`](crate::Vgg::features) runs it: on a flex
/// device (with or without autodiff), in `f32`, for a 3×3, stride 1, padding 1 convolution
/// with a bias, impasto's own kernel (Winograd's F(4×4, 3×3), or F(2×2, 3×3) below 24 × 24
/// pixels, where the input has 16+ channels and the image 8+ pixels a side, as in all of
/// VGG16's layers but the first one's forward; im2col by tiles of rows and one matrix
/// product per tile elsewhere; with an
/// input-only backward when the weights take no gradients); burn's `Conv2d::forward`
/// otherwise. Both give the same result to float rounding.
///
/// # Shapes
/// - input: `[N, C_in, H, W]`
/// - output: `[N, C_out, H, W]` (for VGG's convolutions)
///
/// ```
/// use burn::nn::PaddingConfig2d;
/// use burn::nn::conv::Conv2dConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let conv = Conv2dConfig::new([3, 8], [3, 3])
///     .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
///     .init(&device);
/// let image = Tensor::<4>::ones([1, 3, 16, 16], &device);
/// let fast = impasto_vgg::kernels::conv_forward(&conv, image.clone());
/// let burns = conv.forward(image);
/// assert!((fast - burns).abs().max().into_scalar::<f32>() < 1e-5);
/// ```
pub fn conv_forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return impasto_kernels::conv_forward(conv, x);
    #[cfg(not(feature = "flex"))]
    conv.forward(x)
}

/// `relu(conv.forward(x))`, fused on flex.
pub(crate) fn conv_relu_forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return impasto_kernels::conv_relu_forward(conv, x);
    #[cfg(not(feature = "flex"))]
    burn::tensor::activation::relu(conv.forward(x))
}

/// `max_pool2x2(relu(conv.forward(x)))` as one operation on flex: its backward routes the
/// pooled gradient to each window's maximum as the convolution's input gradient reads it.
pub(crate) fn conv_relu_max_pool_forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return impasto_kernels::conv_relu_max_pool_forward(conv, x);
    #[cfg(not(feature = "flex"))]
    max_pool2x2(conv_relu_forward(conv, x))
}

/// The 2×2, stride 2 max-pool as [`Vgg::features`](crate::Vgg::features) runs it
/// ([`Pooling::Max`](crate::Pooling::Max)): on a flex device in `f32`, impasto's own kernel
/// (its backward finds each window's maximum again from the input instead of keeping
/// indices); burn's `max_pool2d` otherwise. The same result, ties going to the first
/// maximum in row-major order as in burn and PyTorch.
///
/// # Shapes
/// - input: `[N, C, H, W]`
/// - output: `[N, C, ⌊H / 2⌋, ⌊W / 2⌋]`
///
/// ```
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let x = Tensor::<1>::from_floats([1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 7.0, 1.0], &device);
/// let pooled = impasto_vgg::kernels::max_pool2x2(x.reshape([1, 1, 2, 4]));
/// assert_eq!(pooled.into_data().to_vec::<f32>().unwrap(), vec![5.0, 7.0]);
/// ```
pub fn max_pool2x2(x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return impasto_kernels::max_pool2x2(x);
    #[cfg(not(feature = "flex"))]
    burn::tensor::module::max_pool2d(x, burn::tensor::ops::MaxPoolOptions::new([2, 2]))
}
