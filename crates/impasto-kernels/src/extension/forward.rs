//! The forwards on burn-flex: checks, then the slice kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::{Flex, TensorMetadata};
use burn::tensor::{DType, Shape};

use super::{FlexKernels, all_f32, burn_conv, burn_max_pool};
use crate::conv3x3::{Conv3x3Shape, conv3x3_same};
use crate::filter_cache::transformed_filters;
use crate::flex::{dims4, f32_slice, flex_tensor};
use crate::gram::gram;
use crate::max_pool::max_pool2x2;
use crate::winograd::{Filters, conv3x3_winograd, winograd_tile};

impl FlexKernels for Flex {
    fn conv3x3_same(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        if !all_f32([&input, &weight, &bias]) {
            return burn_conv::<Flex>(input, weight, bias, relu);
        }
        #[cfg(test)]
        super::FAST_PATH_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let shape = conv_shape(&input.shape(), &weight.shape());
        let (input, weight, bias) = (
            input.to_contiguous(),
            weight.to_contiguous(),
            bias.to_contiguous(),
        );
        let (input_values, bias) = (f32_slice(&input), Some(f32_slice(&bias)));
        let output = if let Some(tile) = winograd_tile(shape) {
            let filters = transformed_filters(&weight, shape, Filters::Forward, tile);
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

    fn conv3x3_relu_max_pool(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        Flex::max_pool2x2(Flex::conv3x3_same(input, weight, bias, true))
    }

    fn gram_f32(features: FloatTensor<Self>) -> FloatTensor<Self> {
        let shape = features.shape();
        let (batch, channels, positions) = (shape[0], shape[1], shape[2]);
        let features = features.to_contiguous();
        let values = gram(f32_slice(&features), batch, channels, positions);
        flex_tensor(values, [batch, channels, channels])
    }
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
