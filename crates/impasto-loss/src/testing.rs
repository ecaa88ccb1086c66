//! Helpers of the unit tests: small tensors and finite-difference gradient checks.

use burn::tensor::{DType, Device, Tensor, TensorData};

/// The CPU device the unit tests run on.
pub(crate) fn device() -> Device {
    Device::flex()
}

/// An `f32` tensor on [`device`] (the values of the hand-computed cases are exact in f32).
pub(crate) fn tensor<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), &device())
}

/// The values of a tensor, as `f64`.
pub(crate) fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .try_into_vec_as::<f64>()
        .expect("a readable float tensor")
}

/// The one value of a scalar tensor, as `f64`.
pub(crate) fn scalar(tensor: Tensor<1>) -> f64 {
    let v = values(tensor);
    assert_eq!(v.len(), 1);
    v[0]
}

/// Checks the autodiff gradient of `f` at `x` against central finite differences, in
/// float64 so that the comparison tests the derivative, not the rounding.
///
/// `h` is relative to each coordinate's magnitude (at least 1); the functions checked are
/// polynomials of degree ≤ 4, so the O(h²) truncation error is tiny for `h = 1e-5`.
pub(crate) fn check_gradient<const D: usize>(
    f: impl Fn(Tensor<D>) -> Tensor<1>,
    x: &[f64],
    shape: [usize; D],
    tolerance: f64,
) {
    let ad = device().autodiff();
    let make = |values: &[f64], device: &Device| {
        Tensor::<D>::from_data(
            TensorData::new(values.to_vec(), shape),
            (device, DType::F64),
        )
    };
    let input = make(x, &ad).require_grad();
    let loss = f(input.clone());
    let grads = loss.backward();
    let gradient = values(input.grad(&grads).expect("the input is tracked"));

    let plain = device();
    let at = |values: &[f64]| scalar(f(make(values, &plain)));
    let scale = gradient.iter().fold(1e-12_f64, |m, g| m.max(g.abs()));
    for (i, &g) in gradient.iter().enumerate() {
        let h = 1e-5 * x[i].abs().max(1.0);
        let mut plus = x.to_vec();
        plus[i] += h;
        let mut minus = x.to_vec();
        minus[i] -= h;
        let numeric = (at(&plus) - at(&minus)) / (2.0 * h);
        assert!(
            (numeric - g).abs() <= tolerance * scale,
            "coordinate {i}: autodiff {g}, finite difference {numeric} (scale {scale})"
        );
    }
}

/// Deterministic pseudo-random values in `[-1, 1)` for the gradient checks.
pub(crate) fn pseudo_random(n: usize, seed: u64) -> Vec<f64> {
    let stream = impasto_vgg::portable_rng::stream(seed, 0);
    impasto_vgg::portable_rng::uniform(stream, n, -1.0, 1.0)
        .into_iter()
        .map(f64::from)
        .collect()
}

/// A constant tensor of `values` on the device and with the dtype of `like`, for targets
/// inside the functions given to [`check_gradient`].
pub(crate) fn constant_like<const D: usize, const E: usize>(
    values: &[f64],
    shape: [usize; D],
    like: &Tensor<E>,
) -> Tensor<D> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), shape),
        (&like.device(), like.dtype()),
    )
}

/// A small random VGG16 (seeded), built only up to `relu2_1`, for fast tests.
pub(crate) fn small_vgg(device: &Device) -> impasto_vgg::Vgg {
    impasto_vgg::VggConfig::new()
        .with_seed(11)
        .with_last_layer(Some(impasto_vgg::VggLayer::Relu2_1))
        .init(device)
}

/// A seeded random image `[1, 3, height, width]` with pixels in `[0, 1)`.
pub(crate) fn random_image(seed: u64, height: usize, width: usize, device: &Device) -> Tensor<4> {
    let stream = impasto_vgg::portable_rng::stream(seed, 0);
    let pixels = impasto_vgg::portable_rng::uniform(stream, 3 * height * width, 0.0, 1.0);
    Tensor::from_data(TensorData::new(pixels, [1, 3, height, width]), device)
}

/// `|a − b| ≤ tolerance · |b|`.
pub(crate) fn assert_relative(a: f64, b: f64, tolerance: f64) {
    assert!(
        (a - b).abs() <= tolerance * b.abs(),
        "{a} vs {b}: relative error {}",
        ((a - b) / b).abs()
    );
}
