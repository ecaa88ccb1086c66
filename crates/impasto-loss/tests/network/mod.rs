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

/// Flex in float64 (this test binary's default float type, set before any tensor is
/// made, so that differences measure the derivative, not `f32` rounding), its autodiff
/// device, and a seeded random VGG16 up to relu3_1 on the latter.
pub fn float64_network(seed: u64) -> (Device, Device, impasto_vgg::Vgg) {
    let mut plain = Device::flex();
    plain
        .configure(burn::tensor::FloatDType::F64)
        .expect("this test binary configures flex before creating any tensor");
    let ad = plain.clone().autodiff();
    let vgg = impasto_vgg::VggConfig::new()
        .with_seed(seed)
        .with_last_layer(Some(impasto_vgg::VggLayer::Relu3_1))
        .init(&ad);
    (plain, ad, vgg)
}
