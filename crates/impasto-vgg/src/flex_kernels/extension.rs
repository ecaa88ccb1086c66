//! The flex kernels as a burn backend extension: the forwards on burn-flex's tensors, and
//! on `Autodiff<Flex>` backwards that compute the input gradient only.

use burn::backend::TensorMetadata;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Flex, backend_extension};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Shape, TensorData};

use super::conv3x3::{
    Conv3x3Shape, conv3x3_same, conv3x3_same_input_gradient, relu_gradient_in_place,
};
use super::filter_cache::transformed_filters;
use super::max_pool::{max_pool2x2, max_pool2x2_backward};
use super::winograd::{Filters, conv3x3_winograd, winograd_pays};

/// A backend with VGG's convolution and pooling as single operations.
#[backend_extension(Flex, Autodiff)]
pub(crate) trait VggKernels: Backend {
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
}

/// How many times the fast kernel ran, so tests can tell it from the fallback.
#[cfg(test)]
pub(super) static FAST_PATH_CALLS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// The options of the same convolution through burn's own `conv2d`, for what the fast path
/// does not cover.
fn same_options() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [1, 1], [1, 1], 1)
}

/// burn's own convolution, and ReLU if asked, for what the fast path does not cover.
fn burn_conv<B: Backend>(
    input: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    relu: bool,
) -> FloatTensor<B> {
    let output = B::conv2d(input, weight, Some(bias), same_options());
    if relu { B::relu(output) } else { output }
}

/// burn's own 2×2 max-pool, for what the fast path does not cover.
fn burn_max_pool<B: Backend>(input: FloatTensor<B>) -> FloatTensor<B> {
    B::max_pool2d(input, [2, 2], [2, 2], [0, 0], [1, 1], false)
}

impl VggKernels for Flex {
    fn conv3x3_same(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        let all_f32 = [&input, &weight, &bias]
            .iter()
            .all(|tensor| tensor.dtype() == DType::F32);
        if !all_f32 {
            return burn_conv::<Flex>(input, weight, bias, relu);
        }
        #[cfg(test)]
        FAST_PATH_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let shape = conv_shape(&input.shape(), &weight.shape());
        let (input, weight, bias) = (
            input.to_contiguous(),
            weight.to_contiguous(),
            bias.to_contiguous(),
        );
        let (input_values, bias) = (f32_slice(&input), Some(f32_slice(&bias)));
        let output = if winograd_pays(shape) {
            let filters = transformed_filters(&weight, shape, Filters::Forward);
            conv3x3_winograd(input_values, &filters, bias, shape, relu)
        } else {
            conv3x3_same(input_values, f32_slice(&weight), bias, shape, relu)
        };
        flex_tensor(
            output,
            [shape.batch, shape.channels_out, shape.height, shape.width],
        )
    }

    fn max_pool2x2(input: FloatTensor<Self>) -> FloatTensor<Self> {
        if input.dtype() != DType::F32 {
            return burn_max_pool::<Flex>(input);
        }
        let [batch, channels, height, width] = dims4(&input.shape());
        let input = input.to_contiguous();
        let output = max_pool2x2(f32_slice(&input), batch * channels, height, width);
        flex_tensor(output, [batch, channels, height / 2, width / 2])
    }
}

/// `∂L/∂input` of [`VggKernels::conv3x3_same`] on flex, given `∂L/∂output`, and the
/// forward's output if it ran with its ReLU; all `f32` (the autodiff forward takes burn's
/// convolution otherwise).
fn flex_input_gradient(
    output_gradient: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    relu_output: Option<FloatTensor<Flex>>,
) -> FloatTensor<Flex> {
    let [batch, channels_out, height, width] = dims4(&output_gradient.shape());
    let channels_in = weight.shape()[1];
    let (mut output_gradient, weight) = (output_gradient.to_contiguous(), weight.to_contiguous());
    let shape = Conv3x3Shape {
        batch,
        channels_in,
        channels_out,
        height,
        width,
    };
    let gradient_shape = Conv3x3Shape {
        channels_in: channels_out,
        channels_out: channels_in,
        ..shape
    };
    let input_gradient = |output_gradient: &[f32]| {
        if winograd_pays(gradient_shape) {
            let filters = transformed_filters(&weight, gradient_shape, Filters::InputGradient);
            conv3x3_winograd(output_gradient, &filters, None, gradient_shape, false)
        } else {
            conv3x3_same_input_gradient(output_gradient, f32_slice(&weight), shape)
        }
    };
    let Some(relu_output) = relu_output.map(|output| output.to_contiguous()) else {
        let gradient = input_gradient(f32_slice(&output_gradient));
        return flex_tensor(gradient, [batch, channels_in, height, width]);
    };
    // Through the ReLU first: in place when autodiff handed over the only reference (the
    // usual case), else on a copy.
    let gradient = match output_gradient.try_storage_mut::<f32>() {
        Some(values) => {
            relu_gradient_in_place(values, f32_slice(&relu_output));
            input_gradient(values)
        }
        None => {
            let mut values = f32_slice(&output_gradient).to_vec();
            relu_gradient_in_place(&mut values, f32_slice(&relu_output));
            input_gradient(&values)
        }
    };
    flex_tensor(gradient, [batch, channels_in, height, width])
}

/// `∂L/∂input` of [`VggKernels::max_pool2x2`] on flex, given the forward's `f32` input and
/// `∂L/∂output`.
fn flex_max_pool_gradient(
    input: FloatTensor<Flex>,
    output_gradient: FloatTensor<Flex>,
) -> FloatTensor<Flex> {
    let [batch, channels, height, width] = dims4(&input.shape());
    let (input, output_gradient) = (input.to_contiguous(), output_gradient.to_contiguous());
    let gradient = max_pool2x2_backward(
        f32_slice(&input),
        f32_slice(&output_gradient),
        batch * channels,
        height,
        width,
    );
    flex_tensor(gradient, [batch, channels, height, width])
}

impl<C: CheckpointStrategy> VggKernels for Autodiff<Flex, C> {
    fn conv3x3_same(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        /// The backward of the convolution with constant weights: the input gradient.
        #[derive(Debug)]
        struct InputGradient;

        impl Backward<Flex, 1> for InputGradient {
            /// The weights, and the output when the ReLU is fused (its mask): references
            /// to buffers that live on anyway (the output is the next layer's input).
            type State = (FloatTensor<Flex>, Option<FloatTensor<Flex>>);

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let [input] = ops.parents;
                let output_gradient = grads.consume::<Flex>(&ops.node);
                if let Some(input) = input {
                    let (weight, relu_output) = ops.state;
                    let gradient = flex_input_gradient(output_gradient, weight, relu_output);
                    grads.register::<Flex>(input.id, gradient);
                }
            }
        }

        // The backward registered here differentiates for the input only; weights or a
        // bias that want gradients (not VGG's, which are frozen) take burn's convolution,
        // as do dtypes the kernel does not cover.
        let all_f32 = [&input, &weight, &bias]
            .iter()
            .all(|tensor| tensor.primitive().dtype() == DType::F32);
        if weight.is_tracked() || bias.is_tracked() || !all_f32 {
            return burn_conv::<Self>(input, weight, bias, relu);
        }
        match InputGradient
            .prepare::<C>([input.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let weight_state = weight.primitive().clone();
                let output = Flex::conv3x3_same(
                    input.into_primitive(),
                    weight.into_primitive(),
                    bias.into_primitive(),
                    relu,
                );
                let relu_output = relu.then(|| output.clone());
                prep.finish((weight_state, relu_output), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::conv3x3_same(
                input.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                relu,
            )),
        }
    }

    fn max_pool2x2(input: FloatTensor<Self>) -> FloatTensor<Self> {
        /// The backward of the pooling: the gradient to each window's maximum.
        #[derive(Debug)]
        struct MaxPoolGradient;

        impl Backward<Flex, 1> for MaxPoolGradient {
            /// The forward's input, to find the maxima again.
            type State = FloatTensor<Flex>;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let [input] = ops.parents;
                let output_gradient = grads.consume::<Flex>(&ops.node);
                if let Some(input) = input {
                    let gradient = flex_max_pool_gradient(ops.state, output_gradient);
                    grads.register::<Flex>(input.id, gradient);
                }
            }
        }

        if input.primitive().dtype() != DType::F32 {
            return burn_max_pool::<Self>(input);
        }
        match MaxPoolGradient
            .prepare::<C>([input.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                // A reference to the input's buffer, not a copy; the ReLU before keeps the
                // same buffer for its own backward anyway.
                let state = input.primitive().clone();
                prep.finish(state, Flex::max_pool2x2(input.into_primitive()))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::max_pool2x2(input.into_primitive())),
        }
    }
}

fn dims4(shape: &Shape) -> [usize; 4] {
    [shape[0], shape[1], shape[2], shape[3]]
}

fn conv_shape(input: &Shape, weight: &Shape) -> Conv3x3Shape {
    let [batch, channels_in, height, width] = dims4(input);
    Conv3x3Shape {
        batch,
        channels_in,
        channels_out: weight[0],
        height,
        width,
    }
}

/// The elements of a contiguous `f32` flex tensor (the caller checked the dtype).
fn f32_slice(tensor: &FloatTensor<Flex>) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("a contiguous f32 tensor has an f32 slice")
}

fn flex_tensor(values: Vec<f32>, shape: [usize; 4]) -> FloatTensor<Flex> {
    // `TensorData::new` takes the vector's allocation; no copy.
    let data = TensorData::new(values, shape);
    Flex::float_from_data(data, &Default::default())
}
