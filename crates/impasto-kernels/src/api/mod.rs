//! The kernels on burn tensors: each function checks that its tensors take the kernel (a
//! flex device, `f32`, the configuration the kernel covers) and otherwise does what burn
//! does.

use burn::backend::Dispatch;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

use crate::extension::FlexKernels;
use crate::flex::on_flex_f32;

/// `conv.forward(input)`, through impasto's kernel where it applies: a flex device (with
/// or without autodiff), `f32`, and VGG's configuration (3×3, stride 1, padding 1, one
/// group, a bias); burn's `Conv2d::forward` otherwise. Both give the same result to float
/// rounding.
///
/// The kernel is Winograd's F(4×4, 3×3) (F(2×2, 3×3) below 24 × 24 pixels) where the
/// input has 16+ channels and the image 8+ pixels a side, im2col + gemm elsewhere (so a
/// 3-channel image's forward takes im2col, its input gradient Winograd). On an autodiff
/// device its backward computes
/// the input gradient only; weights or a bias that are tracked take burn's convolution,
/// so they get their gradients.
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
/// let fast = impasto_kernels::conv_forward(&conv, image.clone());
/// let burns = conv.forward(image);
/// assert!((fast - burns).abs().max().into_scalar::<f32>() < 1e-5);
/// ```
pub fn conv_forward(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    conv_maybe_relu(conv, input, false)
}

/// `relu(conv.forward(input))`, in one pass where [`conv_forward`]'s kernel applies (the
/// ReLU clamps each tile while it is in cache, and its backward masks the gradient once).
pub fn conv_relu_forward(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    conv_maybe_relu(conv, input, true)
}

/// `max_pool2x2(relu(conv.forward(input)))`. Where [`conv_forward`]'s kernel applies, one
/// operation: on an autodiff device its backward routes the pooled gradient to each
/// window's maximum as the convolution's input gradient reads it, so the pool's input
/// gradient (four times the pooled gradient's size) is never written out. Otherwise
/// [`conv_relu_forward`], then [`max_pool2x2`]. Both give the same result to float
/// rounding, and the fused backward equals the two ops' backwards to the bit.
///
/// # Shapes
/// - input: `[N, C_in, H, W]`
/// - output: `[N, C_out, ⌊H / 2⌋, ⌊W / 2⌋]` (for VGG's convolutions)
pub fn conv_relu_max_pool_forward(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    let Some((weight, bias)) = vgg_conv_on_flex(conv, &input) else {
        return max_pool2x2(conv_relu_forward(conv, input));
    };
    let output = <Dispatch as FlexKernels>::conv3x3_relu_max_pool(
        input.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
    );
    Tensor::from_dispatch(output)
}

fn conv_maybe_relu(conv: &Conv2d, input: Tensor<4>, relu: bool) -> Tensor<4> {
    let Some((weight, bias)) = vgg_conv_on_flex(conv, &input) else {
        let output = conv.forward(input);
        return if relu {
            burn::tensor::activation::relu(output)
        } else {
            output
        };
    };
    let output = <Dispatch as FlexKernels>::conv3x3_same(
        input.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        relu,
    );
    Tensor::from_dispatch(output)
}

/// The weight and bias of `conv` if the kernel takes it with this input: VGG's
/// configuration (3×3, stride 1, padding 1, one group, a bias) on a flex device in `f32`.
fn vgg_conv_on_flex(conv: &Conv2d, input: &Tensor<4>) -> Option<(Tensor<4>, Tensor<1>)> {
    let bias = conv.bias.as_ref()?;
    let weight = conv.weight.val();
    let is_vgg_conv = conv.kernel_size == [3, 3]
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && matches!(
            conv.padding,
            PaddingConfig2d::Explicit(1, 1, 1, 1) | PaddingConfig2d::Same
        )
        && weight.dims()[1..] == [input.dims()[1], 3, 3];
    (is_vgg_conv && on_flex_f32(input)).then(|| (weight, bias.val()))
}

/// `max_pool2d(input, 2×2, stride 2)`, through impasto's kernel on a flex device in `f32`
/// (its backward finds each window's maximum again from the input instead of keeping
/// indices); burn's `max_pool2d` otherwise. The same result, ties going to the first
/// maximum in row-major order as in burn and PyTorch, NaN propagating.
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
/// let pooled = impasto_kernels::max_pool2x2(x.reshape([1, 1, 2, 4]));
/// assert_eq!(pooled.into_data().to_vec::<f32>().unwrap(), vec![5.0, 7.0]);
/// ```
pub fn max_pool2x2(input: Tensor<4>) -> Tensor<4> {
    if !on_flex_f32(&input) {
        return max_pool2d(input, MaxPoolOptions::new([2, 2]));
    }
    Tensor::from_dispatch(<Dispatch as FlexKernels>::max_pool2x2(
        input.into_dispatch(),
    ))
}

/// The Gram matrix `F·Fᵀ` of each batch item of `features` (`[B, C, P]`) through
/// impasto's kernel if it is an `f32` tensor on a flex device, `None` otherwise (the caller
/// then uses burn's matmul). On an autodiff device its backward is the single product
/// `(dG + dGᵀ)·F`, exact for any loss.
///
/// # Shapes
/// - features: `[B, C, P]`
/// - output: `[B, C, C]`
///
/// ```
/// use burn::tensor::{Device, Tensor};
///
/// let f = Tensor::<1>::from_floats([1.0, 2.0, 0.0, 1.0], &Device::flex()).reshape([1, 2, 2]);
/// let g = impasto_kernels::gram(&f).expect("f32 on flex");
/// assert_eq!(g.into_data().to_vec::<f32>().unwrap(), vec![5.0, 2.0, 2.0, 1.0]);
/// ```
pub fn gram(features: &Tensor<3>) -> Option<Tensor<3>> {
    if !on_flex_f32(features) {
        return None;
    }
    let output = <Dispatch as FlexKernels>::gram_f32(features.clone().into_dispatch());
    Some(Tensor::from_dispatch(output))
}

#[cfg(test)]
mod tests;
