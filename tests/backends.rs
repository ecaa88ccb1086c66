//! The same VGG forward and input gradient on every backend this build enables.
//!
//! flex is the reference; ndarray runs with `--features ndarray`; wgpu (`--features
//! wgpu`, which the README's test command turns on) runs wherever a Vulkan, Metal or
//! DX12 adapter exists: in CI that is Mesa's software Vulkan (lavapipe, package
//! `mesa-vulkan-drivers`, with `XDG_RUNTIME_DIR` set). Set `IMPASTO_SKIP_WGPU=1`
//! to skip wgpu on a machine without any adapter. Inputs are tiny because a software
//! driver compiles every shader on first use.

use burn::tensor::{Device, Tensor, TensorData};
use impasto::Backend;
use impasto::vgg::{VggConfig, VggLayer, portable_rng};

const LAYERS: [VggLayer; 3] = [VggLayer::Relu1_2, VggLayer::Pool1, VggLayer::Relu2_1];

/// Features of LAYERS and the gradient of Σ relu2_1 w.r.t. the pixels, as host vectors.
fn forward_and_gradient(device: Device) -> Vec<(String, Vec<f32>)> {
    let device = device.autodiff();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu2_1))
        .with_seed(3)
        .init(&device);
    let pixels = portable_rng::uniform(portable_rng::stream(11, 0), 3 * 8 * 8, 0.0, 1.0);
    let image =
        Tensor::<4>::from_data(TensorData::new(pixels, [1, 3, 8, 8]), &device).require_grad();
    let features = vgg.features(image.clone(), &LAYERS).expect("valid request");
    let grads = features[&VggLayer::Relu2_1].clone().sum().backward();
    let gradient = image.grad(&grads).expect("the image is tracked");
    let to_vec = |t: Tensor<4>| {
        t.into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .expect("f32")
    };
    let mut out: Vec<_> = features
        .into_iter()
        .map(|(layer, t)| (layer.to_string(), to_vec(t)))
        .collect();
    out.push(("pixel gradient".to_string(), to_vec(gradient)));
    out
}

fn assert_close(backend: Backend, reference: &[(String, Vec<f32>)], other: &[(String, Vec<f32>)]) {
    assert_eq!(reference.len(), other.len());
    for ((name, want), (_, got)) in reference.iter().zip(other) {
        let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
        let error = want
            .iter()
            .zip(got)
            .map(|(w, g)| (w - g).abs() / scale)
            .fold(0f32, f32::max);
        println!("{backend} {name}: relative error {error:.2e} against flex");
        assert!(error < 1e-4, "{backend} {name}: relative error {error:.2e}");
    }
}

#[test]
fn every_enabled_backend_agrees_with_flex() {
    let reference = forward_and_gradient(Device::flex());
    for backend in Backend::enabled() {
        if backend == Backend::Flex
            || (backend == Backend::Wgpu && std::env::var_os("IMPASTO_SKIP_WGPU").is_some())
        {
            continue;
        }
        let device = backend.device().expect("an enabled backend");
        assert_close(backend, &reference, &forward_and_gradient(device));
    }
}
