//! The forward pass against an independent float64 PyTorch computation
//! (`tests/fixtures/make_fixtures.py` → `tests/fixtures/vgg/features.json`).

mod common;

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor};
use impasto_vgg::{Pooling, VggArchitecture, VggConfig, VggError, VggLayer};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    architecture: String,
    pooling: String,
    seed: Option<u64>,
    weights: Option<String>,
    image_seed: u64,
    size: usize,
    layers: BTreeMap<String, Digest>,
}

#[derive(Deserialize)]
struct Digest {
    shape: Vec<usize>,
    sum: f64,
    sum_squares: f64,
    max_abs: f64,
    indices: Vec<usize>,
    values: Vec<f64>,
}

const TOLERANCE: f64 = 1e-4;

/// Worst relative error of `actual` against the reference digest; panics on a shape mismatch.
fn relative_error(layer: &str, actual: Tensor<4>, reference: &Digest) -> f64 {
    assert_eq!(actual.dims().to_vec(), reference.shape, "shape of {layer}");
    let values = common::to_vec(actual);
    let n = values.len() as f64;
    let sum: f64 = values.iter().map(|&v| v as f64).sum();
    let sum_squares: f64 = values.iter().map(|&v| (v as f64).powi(2)).sum();
    // Element errors relative to the layer's largest activation: elements near zero have
    // no meaningful relative error of their own.
    let elements = reference
        .indices
        .iter()
        .zip(&reference.values)
        .map(|(&i, &expected)| (values[i] as f64 - expected).abs() / reference.max_abs)
        .fold(0.0, f64::max);
    // |Σx| can cancel; √(n·Σx²) bounds Σ|x| and is the sum's natural scale.
    let sum_error = (sum - reference.sum).abs() / (n * reference.sum_squares).sqrt();
    let squares_error = (sum_squares - reference.sum_squares).abs() / reference.sum_squares;
    elements.max(sum_error).max(squares_error)
}

#[test]
fn features_match_float64_pytorch() {
    let text = std::fs::read_to_string(common::fixture("features.json")).expect("fixture");
    let fixtures: Fixtures = serde_json::from_str(&text).expect("valid fixture");
    let device = Device::flex();
    let mut worst = 0.0f64;
    for case in &fixtures.cases {
        let architecture = match case.architecture.as_str() {
            "vgg16" => VggArchitecture::Vgg16,
            _ => VggArchitecture::Vgg19,
        };
        let pooling = if case.pooling == "max" {
            Pooling::Max
        } else {
            Pooling::Avg
        };
        let layers: Vec<VggLayer> = case.layers.keys().map(|n| n.parse().unwrap()).collect();
        let config = VggConfig::new()
            .with_architecture(architecture)
            .with_pooling(pooling)
            .with_last_layer(layers.iter().max().copied());
        let vgg = match (&case.weights, case.seed) {
            (Some(file), _) => config.load(common::fixture(file), &device).unwrap(),
            (None, Some(seed)) => config.with_seed(seed).init(&device),
            (None, None) => panic!("a case needs weights or a seed"),
        };
        let image = common::test_image(case.image_seed, case.size, &device);
        let features = vgg.features(image, &layers).unwrap();
        for (name, reference) in &case.layers {
            let layer: VggLayer = name.parse().unwrap();
            let error = relative_error(name, features[&layer].clone(), reference);
            println!(
                "{} {:?} {name}: relative error {error:.2e}",
                case.architecture, pooling
            );
            assert!(error < TOLERANCE, "{name}: relative error {error:.2e}");
            worst = worst.max(error);
        }
    }
    println!("largest relative error against float64 PyTorch: {worst:.2e}");
}

#[test]
fn stops_at_the_deepest_requested_layer() {
    let device = Device::flex();
    let vgg = VggConfig::new().init(&device);
    // A 2x2 image survives one pool only: asking for relu2_1 must not run pool2..pool5.
    let image = Tensor::<4>::ones([1, 3, 2, 2], &device);
    let features = vgg.features(image, &[VggLayer::Relu2_1]).unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[&VggLayer::Relu2_1].dims(), [1, 128, 1, 1]);
}

#[test]
fn returns_exactly_the_requested_layers() {
    let device = Device::flex();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu2_2))
        .init(&device);
    let image = Tensor::<4>::zeros([2, 3, 6, 10], &device);
    let asked = [VggLayer::Relu2_1, VggLayer::Conv1_1, VggLayer::Relu2_1];
    let features = vgg.features(image.clone(), &asked).unwrap();
    assert_eq!(
        features.keys().copied().collect::<Vec<_>>(),
        [VggLayer::Conv1_1, VggLayer::Relu2_1]
    );
    assert_eq!(features[&VggLayer::Conv1_1].dims(), [2, 64, 6, 10]);
    assert_eq!(features[&VggLayer::Relu2_1].dims(), [2, 128, 3, 5]);
    assert!(vgg.features(image, &[]).unwrap().is_empty());
}

#[test]
fn bad_requests_are_typed_errors() {
    let device = Device::flex();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu3_1))
        .init(&device);
    let image = Tensor::<4>::zeros([1, 3, 8, 8], &device);
    assert!(matches!(
        vgg.features(image.clone(), &[VggLayer::Relu3_4]),
        Err(VggError::LayerNotInArchitecture { .. })
    ));
    assert!(matches!(
        vgg.features(image.clone(), &[VggLayer::Relu4_1]),
        Err(VggError::LayerBeyondNetwork {
            last: VggLayer::Relu3_1,
            ..
        })
    ));
    let small = Tensor::<4>::zeros([1, 3, 3, 8], &device);
    let error = vgg.features(small, &[VggLayer::Relu3_1]).unwrap_err();
    assert!(
        matches!(
            error,
            VggError::InputTooSmall {
                min: 4,
                height: 3,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("relu3_1"), "{error}");
    let gray = Tensor::<4>::zeros([1, 1, 8, 8], &device);
    assert!(matches!(
        vgg.features(gray, &[VggLayer::Relu1_1]),
        Err(VggError::InputShape { .. })
    ));
    let bad = VggConfig::new().with_last_layer(Some(VggLayer::Relu5_4));
    assert!(matches!(
        bad.try_init(&device),
        Err(VggError::LayerNotInArchitecture { .. })
    ));
}

#[test]
fn same_seed_same_weights_other_seed_other_weights() {
    let device = Device::flex();
    let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu1_1));
    let weights = |seed| {
        let vgg = config.clone().with_seed(seed).init(&device);
        common::to_vec(vgg.conv(VggLayer::Conv1_1).unwrap().weight.val())
    };
    assert_eq!(weights(4), weights(4));
    assert_ne!(weights(4), weights(5));
}

#[test]
fn only_the_input_receives_gradients() {
    let device = Device::flex().autodiff();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu2_1))
        .init(&device);
    let image = common::test_image(1, 8, &device).require_grad();
    let features = vgg.features(image.clone(), &[VggLayer::Relu2_1]).unwrap();
    let grads = features[&VggLayer::Relu2_1].clone().sum().backward();
    let pixel_grad = image.grad(&grads).expect("the input is tracked");
    assert_eq!(pixel_grad.dims(), [1, 3, 8, 8]);
    let conv = vgg.conv(VggLayer::Conv1_1).unwrap();
    assert!(
        conv.weight.val().grad(&grads).is_none(),
        "weights must not get gradients"
    );
}
