//! Helpers of the finite-difference tests through the network.

use burn::tensor::{Device, Tensor, TensorData};
use impasto_vgg::portable_rng::{stream, uniform};

/// A seeded random image `[1, 3, height, width]` with pixels in `[0, 1)`.
pub fn image(seed: u64, height: usize, width: usize, device: &Device) -> Tensor<4> {
    let pixels = uniform(stream(seed, 0), 3 * height * width, 0.0, 1.0);
    Tensor::from_data(TensorData::new(pixels, [1, 3, height, width]), device)
}

/// The values of a tensor, as `f64`.
pub fn host(tensor: Tensor<4>) -> Vec<f64> {
    tensor.try_into_vec_as::<f64>().unwrap()
}
