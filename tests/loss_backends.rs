//! The total loss, its terms and its pixel gradient on every backend this build enables,
//! against flex: the summation by dimensions, broadcast targets, slices of total variation
//! and the lazily read breakdown all run unchanged on each. Set `IMPASTO_SKIP_WGPU=1` to
//! skip wgpu on a machine without any adapter (see `tests/backends.rs`).

use burn::tensor::{Device, Tensor, TensorData};
use impasto::Backend;
use impasto::vgg::{VggConfig, VggLayer, portable_rng};
use impasto_loss::TotalLossConfig;

fn image(seed: u64, height: usize, width: usize, device: &Device) -> Tensor<4> {
    let pixels = portable_rng::uniform(portable_rng::stream(seed, 0), 3 * height * width, 0.0, 1.0);
    Tensor::from_data(TensorData::new(pixels, [1, 3, height, width]), device)
}

/// Every term of the breakdown, then the pixel gradient.
fn terms_and_gradient(device: Device) -> Vec<(String, Vec<f64>)> {
    let device = device.autodiff();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu2_1))
        .with_seed(3)
        .init(&device);
    let config = TotalLossConfig::new()
        .with_style_weight(1e5)
        .with_tv_weight(1.0)
        .with_content_layers(vec![VggLayer::Relu1_2])
        .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Pool1, VggLayer::Relu2_1]);
    let styles = [
        (image(2, 8, 8, &device), 2.0),
        (image(3, 6, 10, &device), 1.0),
    ];
    let loss = config.init(&vgg, image(1, 8, 8, &device), &styles).unwrap();
    let x = image(4, 8, 8, &device).require_grad();
    let evaluation = loss.evaluate(&vgg, x.clone()).unwrap();
    let gradient = x.grad(&evaluation.loss().backward()).unwrap();
    let b = evaluation.breakdown().unwrap();
    let mut out = vec![
        ("total".to_string(), vec![b.total]),
        ("content".to_string(), vec![b.content]),
        ("style".to_string(), vec![b.style]),
        ("tv".to_string(), vec![b.tv]),
    ];
    out.extend(
        b.style_per_layer
            .iter()
            .map(|(l, e)| (format!("E {l}"), vec![*e])),
    );
    out.push((
        "pixel gradient".into(),
        gradient.try_into_vec_as::<f64>().unwrap(),
    ));
    out
}

#[test]
fn every_enabled_backend_agrees_with_flex() {
    let reference = terms_and_gradient(Device::flex());
    for backend in Backend::enabled() {
        if backend == Backend::Flex
            || (backend == Backend::Wgpu && std::env::var_os("IMPASTO_SKIP_WGPU").is_some())
        {
            continue;
        }
        let other = terms_and_gradient(backend.device().expect("an enabled backend"));
        for ((name, want), (_, got)) in reference.iter().zip(&other) {
            let scale = want.iter().fold(0f64, |m, v| m.max(v.abs()));
            let error = want
                .iter()
                .zip(got)
                .map(|(w, g)| (w - g).abs() / scale)
                .fold(0f64, f64::max);
            println!("{backend} {name}: relative error {error:.2e} against flex");
            assert!(error < 1e-4, "{backend} {name}: relative error {error:.2e}");
        }
    }
}
