//! Tests of [`TotalLossConfig`] and [`TotalLoss`]: defaults, validation, the breakdown,
//! and gradients flowing to the pixels only.

use burn::tensor::Tensor;
use impasto_vgg::VggLayer::{self, Relu1_1, Relu1_2, Relu2_1};

use crate::testing::{assert_relative, device, random_image, scalar, small_vgg};
use crate::*;

fn small_config() -> TotalLossConfig {
    TotalLossConfig::new()
        .with_content_weight(2.0)
        .with_style_weight(1e4)
        .with_tv_weight(0.5)
        .with_content_layers(vec![Relu1_2, Relu2_1])
        .with_style_layers(vec![Relu2_1, Relu1_1])
        .with_style_layer_weights(Some(vec![3.0, 0.5]))
}

#[test]
fn defaults_are_the_documented_ones() {
    let config = TotalLossConfig::new();
    assert_eq!(config.content_weight, 1.0);
    assert_eq!(config.style_weight, 1e7);
    assert_eq!(config.tv_weight, 1e3);
    assert_eq!(config.content_layers, vec![VggLayer::Relu4_2]);
    assert_eq!(
        config.style_layers,
        vec![
            Relu1_1,
            Relu2_1,
            VggLayer::Relu3_1,
            VggLayer::Relu4_1,
            VggLayer::Relu5_1
        ]
    );
    assert_eq!(config.resolved_style_layer_weights(), vec![0.2; 5]);
    config.validate().unwrap();
}

#[test]
fn config_round_trips_through_json_with_layer_names() {
    let json = serde_json::to_string(&small_config()).unwrap();
    assert!(json.contains("\"relu1_2\""), "{json}");
    let back: TotalLossConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back.style_layer_weights, Some(vec![3.0, 0.5]));
    assert_eq!(back.content_layers, vec![Relu1_2, Relu2_1]);
}

#[test]
fn validation_reports_each_problem() {
    let err = |config: TotalLossConfig| config.validate().unwrap_err();
    let base = TotalLossConfig::new;
    assert!(matches!(
        err(base().with_content_weight(-1e-9)),
        LossError::NegativeWeight { name, .. } if name == "content_weight"
    ));
    assert!(matches!(
        err(base().with_style_weight(f64::NAN)),
        LossError::NonFiniteWeight { name, .. } if name == "style_weight"
    ));
    assert!(matches!(
        err(base().with_tv_weight(f64::NEG_INFINITY)),
        LossError::NonFiniteWeight { name, .. } if name == "tv_weight"
    ));
    assert!(matches!(
        err(base().with_content_layers(vec![])),
        LossError::EmptyLayers {
            term: Term::Content
        }
    ));
    assert!(matches!(
        err(base().with_style_layers(vec![])),
        LossError::EmptyLayers { term: Term::Style }
    ));
    assert!(matches!(
        err(base().with_style_layers(vec![Relu1_1, Relu2_1, Relu1_1])),
        LossError::DuplicateLayer {
            term: Term::Style,
            layer: Relu1_1
        }
    ));
    assert!(matches!(
        err(base().with_style_layer_weights(Some(vec![1.0]))),
        LossError::LayerWeightCount {
            layers: 5,
            weights: 1
        }
    ));
    assert!(matches!(
        err(base().with_style_layer_weights(Some(vec![1.0, 1.0, -2.0, 1.0, 1.0]))),
        LossError::NegativeWeight { name, .. } if name == "style_layer_weights[2]"
    ));
    // The message names the problem, for a user to read.
    let message = err(base().with_tv_weight(-3.0)).to_string();
    assert_eq!(message, "tv_weight must not be negative, got -3");
}

#[test]
fn breakdown_is_the_sum_of_the_separate_functions() {
    let vgg = small_vgg(&device());
    let content = random_image(1, 8, 8, &device());
    let style = random_image(2, 10, 6, &device());
    let x = random_image(3, 8, 8, &device());
    let config = small_config();
    let loss = config
        .init(&vgg, content.clone(), &[(style.clone(), 1.0)])
        .unwrap();
    let evaluation = loss.evaluate(&vgg, x.clone()).unwrap();
    let b = evaluation.breakdown().unwrap();

    let layers = [Relu1_1, Relu1_2, Relu2_1];
    let fx = vgg.features(x.clone(), &layers).unwrap();
    let fc = vgg.features(content, &layers).unwrap();
    let fs = vgg.features(style, &layers).unwrap();
    let content_expected =
        scalar(content_loss([Relu1_2, Relu2_1].map(|l| (fx[&l].clone(), fc[&l].clone()))).unwrap());
    let e = |l: VggLayer| {
        let [_, _, h, w] = fx[&l].dims();
        let [_, _, hs, ws] = fs[&l].dims();
        let a = gram(fs[&l].clone()).mul_scalar((h * w) as f64 / (hs * ws) as f64);
        scalar(style_layer_loss(gram(fx[&l].clone()), a, h * w).unwrap())
    };
    let (e2, e1) = (e(Relu2_1), e(Relu1_1));
    let tv = scalar(total_variation(x));

    assert_relative(b.content, content_expected, 1e-6);
    assert_eq!(
        b.style_per_layer.iter().map(|p| p.0).collect::<Vec<_>>(),
        [Relu2_1, Relu1_1]
    );
    assert_relative(b.style_per_layer[0].1, e2, 1e-5);
    assert_relative(b.style_per_layer[1].1, e1, 1e-5);
    assert_relative(b.style, 3.0 * e2 + 0.5 * e1, 1e-5);
    assert_relative(b.tv, tv, 1e-6);
    assert_relative(b.total, 2.0 * b.content + 1e4 * b.style + 0.5 * b.tv, 1e-5);
    assert_eq!(evaluation.value().unwrap(), b.total);
}

#[test]
fn only_the_pixels_get_gradients_and_targets_survive_backward() {
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let content = random_image(1, 8, 8, &ad).require_grad();
    let style = random_image(2, 8, 8, &ad).require_grad();
    let loss = small_config()
        .init(&vgg, content.clone(), &[(style.clone(), 1.0)])
        .unwrap();
    for seed in [3, 4] {
        let x = random_image(seed, 8, 8, &ad).require_grad();
        let evaluation = loss.evaluate(&vgg, x.clone()).unwrap();
        let grads = evaluation.loss().backward();
        let g = x.grad(&grads).expect("the pixels get a gradient");
        assert_eq!(g.dims(), [1, 3, 8, 8]);
        assert!(content.grad(&grads).is_none() && style.grad(&grads).is_none());
        // The breakdown is still readable after backward consumed the graph.
        assert!(evaluation.breakdown().unwrap().total > 0.0);
    }
}

#[test]
fn a_term_without_targets_is_absent() {
    let vgg = small_vgg(&device());
    let content = random_image(1, 8, 8, &device());
    let x = random_image(3, 8, 8, &device());
    let config = small_config().with_style_weight(0.0);
    let targets = ContentTargets::new(&vgg, content, &config.content_layers).unwrap();
    let loss = TotalLoss::new(config, Some(targets), None).unwrap();
    let b = loss.evaluate(&vgg, x).unwrap().breakdown().unwrap();
    assert_eq!((b.style, b.style_per_layer.len()), (0.0, 0));
    assert_relative(b.total, 2.0 * b.content + 0.5 * b.tv, 1e-6);
}

#[test]
fn missing_targets_are_errors() {
    let vgg = small_vgg(&device());
    let content = random_image(1, 8, 8, &device());
    // Content weight 2 but no content targets.
    assert!(matches!(
        TotalLoss::new(small_config(), None, None),
        Err(LossError::MissingTarget {
            term: Term::Content,
            layer: Relu1_2
        })
    ));
    // Targets for relu1_2 only; the config also needs relu2_1.
    let partial = ContentTargets::new(&vgg, content, &[Relu1_2]).unwrap();
    let config = small_config().with_style_weight(0.0);
    assert!(matches!(
        TotalLoss::new(config, Some(partial), None),
        Err(LossError::MissingTarget {
            term: Term::Content,
            layer: Relu2_1
        })
    ));
}

#[test]
fn bad_images_are_errors_not_panics() {
    let vgg = small_vgg(&device());
    let content = random_image(1, 8, 8, &device());
    let loss = small_config()
        .init(&vgg, content.clone(), &[(content, 1.0)])
        .unwrap();
    let other_size = random_image(2, 8, 10, &device());
    assert!(matches!(
        loss.evaluate(&vgg, other_size),
        Err(LossError::ShapeMismatch { .. })
    ));
    let two_channels = Tensor::<4>::zeros([1, 2, 8, 8], &device());
    assert!(matches!(
        loss.evaluate(&vgg, two_channels),
        Err(LossError::Vgg(_))
    ));
    let too_small = Tensor::<4>::zeros([1, 3, 1, 1], &device());
    assert!(matches!(
        loss.evaluate(&vgg, too_small),
        Err(LossError::Vgg(_))
    ));
}
