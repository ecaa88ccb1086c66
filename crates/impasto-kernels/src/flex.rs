//! What every kernel's glue shares: whether a tensor takes the kernels at all, the
//! elements of a flex tensor as a slice, and a flex tensor from a vector.

use burn::backend::Flex;
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::tensor::{DType, Device, Shape, Tensor, TensorData};

/// Whether `tensor` takes impasto's kernels: it lives on a flex device (with or without
/// autodiff) and holds `f32`.
pub(crate) fn on_flex_f32<const D: usize>(tensor: &Tensor<D>) -> bool {
    tensor.device() == Device::flex() && tensor.dtype() == DType::F32
}

/// The elements of a contiguous `f32` flex tensor (the caller checked the dtype and made
/// it contiguous).
pub(crate) fn f32_slice(tensor: &FloatTensor<Flex>) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("a contiguous f32 tensor has an f32 slice")
}

/// A flex tensor of `shape` holding `values` (row-major); `TensorData::new` takes the
/// vector's allocation, so nothing is copied.
pub(crate) fn flex_tensor<const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
) -> FloatTensor<Flex> {
    Flex::float_from_data(TensorData::new(values, shape), &Default::default())
}

/// The sizes of a 4-d shape.
pub(crate) fn dims4(shape: &Shape) -> [usize; 4] {
    [shape[0], shape[1], shape[2], shape[3]]
}
