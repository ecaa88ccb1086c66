//! The backwards on `Autodiff<Flex>`: each op differentiated for its one tracked input
//! only (VGG's weights are frozen; weights that want gradients take burn's ops).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex, TensorMetadata};
use burn::tensor::DType;

use super::{FlexKernels, all_f32, burn_conv, burn_max_pool};
use crate::conv3x3::{Conv3x3Shape, conv3x3_same_input_gradient, relu_gradient_in_place};
use crate::filter_cache::transformed_filters;
use crate::flex::{dims4, f32_slice, flex_tensor};
use crate::gram::gram_input_gradient;
use crate::max_pool::max_pool2x2_backward;
use crate::winograd::{
    Filters, conv3x3_winograd, conv3x3_winograd_through_relu, conv3x3_winograd_through_relu_pool,
    winograd_tile,
};

/// The backward of an op with one differentiated input: `∂L/∂input` from the state the
/// forward kept and `∂L/∂output`.
trait InputGradient: Send + std::fmt::Debug + 'static {
    /// What the forward keeps for the backward.
    type State: Clone + Send + std::fmt::Debug + 'static;

    fn input_gradient(state: Self::State, output_gradient: FloatTensor<Flex>) -> FloatTensor<Flex>;
}

/// The autodiff node of an [`InputGradient`] op.
#[derive(Debug)]
struct InputOnly<G>(G);

impl<G: InputGradient> Backward<Flex, 1> for InputOnly<G> {
    type State = G::State;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [input] = ops.parents;
        let output_gradient = grads.consume::<Flex>(&ops.node);
        if let Some(input) = input {
            grads.register::<Flex>(input.id, G::input_gradient(ops.state, output_gradient));
        }
    }
}

/// Runs `forward` on `input`'s flex tensor and, if `input` is tracked, records the node of
/// `gradient` with the state `state` makes from the forward's input and output, and what
/// else the forward handed over (references to their buffers, not copies).
fn input_only<C: CheckpointStrategy, G: InputGradient, K>(
    gradient: G,
    input: FloatTensor<Autodiff<Flex, C>>,
    forward: impl FnOnce(FloatTensor<Flex>) -> (FloatTensor<Flex>, K),
    state: impl FnOnce(FloatTensor<Flex>, &FloatTensor<Flex>, K) -> G::State,
) -> FloatTensor<Autodiff<Flex, C>> {
    match InputOnly(gradient)
        .prepare::<C>([input.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => {
            let input = input.into_primitive();
            let kept = input.clone();
            let (output, handed) = forward(input);
            let state = state(kept, &output, handed);
            prep.finish(state, output)
        }
        OpsKind::UnTracked(prep) => prep.finish(forward(input.into_primitive()).0),
    }
}

/// The convolution's backward, with constant weights: the input gradient.
#[derive(Debug)]
struct ConvGradient;

impl InputGradient for ConvGradient {
    /// The weights, and the output when the ReLU is fused (its mask): references to
    /// buffers that live on anyway (the output is the next layer's input).
    type State = (FloatTensor<Flex>, Option<FloatTensor<Flex>>);

    fn input_gradient(
        (weight, relu_output): Self::State,
        output_gradient: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        conv_input_gradient(output_gradient, weight, relu_output.map(|y| (y, false)))
    }
}

/// The backward of the convolution, ReLU and max-pool in one ([`FlexKernels::conv3x3_relu_max_pool`]),
/// with constant weights: the input gradient from the pooled gradient.
#[derive(Debug)]
struct ConvPoolGradient;

impl InputGradient for ConvPoolGradient {
    /// The weights and the ReLU's output (the pool's input): references to buffers that
    /// live on anyway.
    type State = (FloatTensor<Flex>, FloatTensor<Flex>);

    fn input_gradient(
        (weight, relu_output): Self::State,
        pooled_gradient: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        conv_input_gradient(pooled_gradient, weight, Some((relu_output, true)))
    }
}

/// The pooling's backward: the gradient to each window's maximum.
#[derive(Debug)]
struct MaxPoolGradient;

impl InputGradient for MaxPoolGradient {
    /// The forward's input, to find the maxima again.
    type State = FloatTensor<Flex>;

    fn input_gradient(input: Self::State, output_gradient: FloatTensor<Flex>) -> FloatTensor<Flex> {
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
}

/// The Gram matrix's backward: `dF = (dG + dGᵀ)·F`.
#[derive(Debug)]
struct GramGradient;

impl InputGradient for GramGradient {
    /// The features (a reference to their buffer, which the layer keeps anyway).
    type State = FloatTensor<Flex>;

    fn input_gradient(
        features: Self::State,
        gram_gradient: FloatTensor<Flex>,
    ) -> FloatTensor<Flex> {
        let (features, gram_gradient) = (features.to_contiguous(), gram_gradient.to_contiguous());
        let shape = features.shape();
        let (batch, channels, positions) = (shape[0], shape[1], shape[2]);
        let values = gram_input_gradient(
            f32_slice(&features),
            f32_slice(&gram_gradient),
            batch,
            channels,
            positions,
        );
        flex_tensor(values, [batch, channels, positions])
    }
}

impl<C: CheckpointStrategy> FlexKernels for Autodiff<Flex, C> {
    fn conv3x3_same(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        // The backward registered here differentiates for the input only; weights or a
        // bias that want gradients (not VGG's, which are frozen) take burn's convolution,
        // as do dtypes the kernel does not cover.
        let primitives = [input.primitive(), weight.primitive(), bias.primitive()];
        if weight.is_tracked() || bias.is_tracked() || !all_f32(primitives) {
            return burn_conv::<Self>(input, weight, bias, relu);
        }
        let weight_state = weight.primitive().clone();
        let forward = |input| {
            let output =
                Flex::conv3x3_same(input, weight.into_primitive(), bias.into_primitive(), relu);
            (output, ())
        };
        input_only::<C, _, _>(ConvGradient, input, forward, |_input, output, ()| {
            (weight_state, relu.then(|| output.clone()))
        })
    }

    fn conv3x3_relu_max_pool(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let primitives = [input.primitive(), weight.primitive(), bias.primitive()];
        if weight.is_tracked() || bias.is_tracked() || !all_f32(primitives) {
            return burn_max_pool::<Self>(burn_conv::<Self>(input, weight, bias, true));
        }
        let weight_state = weight.primitive().clone();
        let forward = |input| {
            let relu_output =
                Flex::conv3x3_same(input, weight.into_primitive(), bias.into_primitive(), true);
            (Flex::max_pool2x2(relu_output.clone()), relu_output)
        };
        input_only::<C, _, _>(
            ConvPoolGradient,
            input,
            forward,
            |_input, _, relu_output| (weight_state, relu_output),
        )
    }

    fn max_pool2x2(input: FloatTensor<Self>) -> FloatTensor<Self> {
        if input.primitive().dtype() != DType::F32 {
            return burn_max_pool::<Self>(input);
        }
        // The state is a reference to the input's buffer, not a copy; the ReLU before
        // keeps the same buffer for its own backward anyway.
        let forward = |input| (Flex::max_pool2x2(input), ());
        input_only::<C, _, _>(MaxPoolGradient, input, forward, |input, _, ()| input)
    }

    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self> {
        let forward = |features| (Flex::gram_f32(features), ());
        input_only::<C, _, _>(GramGradient, features, forward, |features, _, ()| features)
    }
}

/// `∂L/∂input` of [`FlexKernels::conv3x3_same`] on flex, given `∂L/∂output`, and the
/// forward's output if it ran with its ReLU; all `f32` (the autodiff forward takes burn's
/// convolution otherwise). With `(relu_output, true)`, `output_gradient` is the gradient of
/// the 2×2 max-pool of that output ([`FlexKernels::conv3x3_relu_max_pool`]).
fn conv_input_gradient(
    output_gradient: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    relu_output: Option<(FloatTensor<Flex>, bool)>,
) -> FloatTensor<Flex> {
    let channels_in = weight.shape()[1];
    let (mut output_gradient, weight) = (output_gradient.to_contiguous(), weight.to_contiguous());
    let relu_output = relu_output.map(|(output, pooled)| (output.to_contiguous(), pooled));
    // The convolution's output shape: the ReLU's output's, where the gradient is pooled.
    let [batch, channels_out, height, width] = match &relu_output {
        Some((output, true)) => dims4(&output.shape()),
        _ => dims4(&output_gradient.shape()),
    };
    let shape = Conv3x3Shape {
        batch,
        channels_in,
        channels_out,
        height,
        width,
    };
    let gradient_shape = shape.transposed();
    let input_gradient = |output_gradient: &[f32]| {
        if let Some(tile) = winograd_tile(gradient_shape) {
            let filters =
                transformed_filters(&weight, gradient_shape, Filters::InputGradient, tile);
            conv3x3_winograd(output_gradient, &filters, None, gradient_shape, false)
        } else {
            conv3x3_same_input_gradient(output_gradient, f32_slice(&weight), shape)
        }
    };
    let gradient_dims = [batch, channels_in, height, width];
    let Some((relu_output, pooled)) = relu_output else {
        let gradient = input_gradient(f32_slice(&output_gradient));
        return flex_tensor(gradient, gradient_dims);
    };
    let relu_values = f32_slice(&relu_output);
    // Through the ReLU (and the pool): Winograd masks (and unpools) each input row as it
    // reads it. Autodiff seldom hands the gradient over unshared (ten of VGG16's thirteen
    // input gradients at 224 px found it shared), so masking it in place first meant a
    // copy of it.
    if let Some(tile) = winograd_tile(gradient_shape) {
        let filters = transformed_filters(&weight, gradient_shape, Filters::InputGradient, tile);
        let through = if pooled {
            conv3x3_winograd_through_relu_pool
        } else {
            conv3x3_winograd_through_relu
        };
        let gradient = through(
            f32_slice(&output_gradient),
            relu_values,
            &filters,
            gradient_shape,
        );
        return flex_tensor(gradient, gradient_dims);
    }
    // The im2col path: the pool's gradient written out, then through the ReLU in place
    // when that gradient is this call's own (unpooled, or handed over unshared), else on a
    // copy.
    let mut unpooled = pooled.then(|| {
        max_pool2x2_backward(
            relu_values,
            f32_slice(&output_gradient),
            batch * channels_out,
            height,
            width,
        )
    });
    let owned = match &mut unpooled {
        Some(values) => Some(values.as_mut_slice()),
        None => output_gradient.try_storage_mut::<f32>(),
    };
    let gradient = match owned {
        Some(values) => {
            relu_gradient_in_place(values, relu_values);
            input_gradient(values)
        }
        None => {
            let mut values = f32_slice(&output_gradient).to_vec();
            relu_gradient_in_place(&mut values, relu_values);
            input_gradient(&values)
        }
    };
    flex_tensor(gradient, gradient_dims)
}
