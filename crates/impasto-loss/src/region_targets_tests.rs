//! Tests of style targets with regions, through [`TotalLoss`] and a small random network.

use burn::tensor::{Device, Tensor, TensorData};
use impasto_vgg::VggLayer::{Relu1_1, Relu2_1};

use crate::testing::{device, random_image, scalar, small_vgg, values};
use crate::*;

/// A `[1, 1, height, width]` mask with `value(row, column)`.
fn mask(height: usize, width: usize, value: impl Fn(usize, usize) -> f64) -> Tensor<4> {
    let data: Vec<f64> = (0..height * width)
        .map(|k| value(k / width, k % width))
        .collect();
    Tensor::from_data(TensorData::new(data, [1, 1, height, width]), &device())
}

fn style_only(layers: Vec<impasto_vgg::VggLayer>) -> TotalLossConfig {
    TotalLossConfig::new()
        .with_term_weights(0.0, 1.0, 0.0)
        .with_style_layers(layers)
}

/// The loss and pixel gradient of `targets` at `image`.
fn loss_and_gradient(
    vgg: &impasto_vgg::Vgg,
    config: &TotalLossConfig,
    targets: StyleTargets,
    image: &Tensor<4>,
) -> (f64, Vec<f64>) {
    let loss = TotalLoss::new(config.clone(), None, Some(targets)).unwrap();
    let x = image.clone().autodiff().require_grad();
    let evaluation = loss.evaluate(vgg, x.clone()).unwrap();
    let gradient = values(x.grad(&evaluation.loss().backward()).unwrap());
    (scalar(evaluation.into_loss().inner()), gradient)
}

#[test]
fn one_style_under_an_all_white_mask_is_the_plain_loss_to_the_bit() {
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let config = style_only(vec![Relu1_1, Relu2_1]);
    let style = [(random_image(1, 10, 12, &device()), 1.0)];
    let image = random_image(2, 8, 8, &device());
    let plain = StyleTargets::new(&vgg, &style, &config.style_layers).unwrap();
    let white = mask(8, 8, |_, _| 1.0);
    let regions = StyleTargets::with_regions(&vgg, &style, &[white], &config.style_layers).unwrap();
    assert!(regions.has_regions() && !plain.has_regions());
    assert_eq!(
        loss_and_gradient(&vgg, &config, plain, &image),
        loss_and_gradient(&vgg, &config, regions, &image)
    );
}

#[test]
fn a_region_sees_only_its_positions() {
    // relu1_1 is one 3×3 convolution: a pixel two columns or more outside the left half
    // is outside every masked position's receptive field.
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let config = style_only(vec![Relu1_1]);
    let style = [(random_image(3, 8, 8, &device()), 1.0)];
    let left = mask(8, 8, |_, column| if column < 4 { 1.0 } else { 0.0 });
    let targets = StyleTargets::with_regions(&vgg, &style, &[left], &config.style_layers).unwrap();
    let (_, gradient) =
        loss_and_gradient(&vgg, &config, targets, &random_image(4, 8, 8, &device()));
    for (k, g) in gradient.iter().enumerate() {
        let column = k % 8;
        if column >= 5 {
            assert_eq!(*g, 0.0, "pixel {k} (column {column}) has gradient {g}");
        }
    }
    assert!(gradient.iter().any(|g| *g != 0.0));
}

#[test]
fn two_regions_add_up_with_their_weights() {
    // Two complementary halves: the loss is the sum of each style alone on its half, each
    // weighed r_i = n k_i (2 · 0.25 and 2 · 0.75 for a 1:3 blend).
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let config = style_only(vec![Relu1_1, Relu2_1]);
    let a = random_image(5, 8, 8, &device());
    let b = random_image(6, 12, 6, &device());
    let top = mask(8, 8, |row, _| if row < 4 { 1.0 } else { 0.0 });
    let bottom = mask(8, 8, |row, _| if row < 4 { 0.0 } else { 1.0 });
    let image = random_image(7, 8, 8, &device());
    let layers = &config.style_layers;
    let both = StyleTargets::with_regions(
        &vgg,
        &[(a.clone(), 1.0), (b.clone(), 3.0)],
        &[top.clone(), bottom.clone()],
        layers,
    )
    .unwrap();
    assert_eq!(both.blend_weights(), &[0.25, 0.75]);
    let alone = |style: &Tensor<4>, m: &Tensor<4>| {
        let t = StyleTargets::with_regions(
            &vgg,
            &[(style.clone(), 1.0)],
            std::slice::from_ref(m),
            layers,
        );
        loss_and_gradient(&vgg, &config, t.unwrap(), &image).0
    };
    let expected = 0.5 * alone(&a, &top) + 1.5 * alone(&b, &bottom);
    let got = loss_and_gradient(&vgg, &config, both.clone(), &image).0;
    assert!(
        (got - expected).abs() <= 1e-5 * expected,
        "{got} vs {expected}"
    );

    // The balance's scale: Σ k_i of each style's own, as if its mask were white.
    let scale = |targets: &StyleTargets| {
        let per_layer: Vec<_> = layers
            .iter()
            .map(|l| targets.black_image_loss(*l).unwrap())
            .collect();
        scalar(style_loss(per_layer, None).unwrap())
    };
    let own = |style: &Tensor<4>| {
        scale(&StyleTargets::new(&vgg, &[(style.clone(), 1.0)], layers).unwrap())
    };
    let (s_a, s_b) = (own(&a), own(&b));
    let mean = 0.25 * s_a + 0.75 * s_b;
    let got = scale(&both);
    assert!((got - mean).abs() <= 1e-5 * mean, "{got} vs {mean}");

    // Balanced: each region weighed by S_s / S_i, the scale unchanged.
    let weights: Vec<_> = layers.iter().map(|&l| (l, 0.5)).collect();
    let balanced = both.with_regions_balanced(&weights).unwrap();
    assert!((scale(&balanced) - mean).abs() <= 1e-5 * mean);
    let expected = 0.5 * mean / s_a * alone(&a, &top) + 1.5 * mean / s_b * alone(&b, &bottom);
    let got = loss_and_gradient(&vgg, &config, balanced, &image).0;
    assert!(
        (got - expected).abs() <= 1e-5 * expected,
        "{got} vs {expected}"
    );
    assert!(
        (s_a / s_b - 1.0).abs() > 0.05,
        "the test needs paintings of other scales"
    );
}

#[test]
fn bad_masks_are_refused() {
    let vgg = small_vgg(&device());
    let layers = [Relu1_1, Relu2_1];
    let style = [(random_image(8, 8, 8, &device()), 1.0)];
    let new = |masks: &[Tensor<4>]| StyleTargets::with_regions(&vgg, &style, masks, &layers);
    let white = mask(9, 9, |_, _| 1.0);
    assert!(matches!(
        new(&[white.clone(), white.clone()]),
        Err(LossError::RegionCount {
            styles: 1,
            masks: 2
        })
    ));
    assert!(matches!(new(&[]), Err(LossError::RegionCount { .. })));
    let black = mask(9, 9, |_, _| 0.0);
    assert!(matches!(
        new(&[black]),
        Err(LossError::EmptyRegion {
            index: 0,
            layer: Relu1_1
        })
    ));
    // The last column only: relu2_1 sees the image at 4×4, the ninth column dropped.
    let edge = mask(9, 9, |_, column| if column == 8 { 1.0 } else { 0.0 });
    assert!(matches!(
        new(&[edge]),
        Err(LossError::EmptyRegion {
            index: 0,
            layer: Relu2_1
        })
    ));
    let rgb = Tensor::<4>::ones([1, 3, 9, 9], &Device::flex());
    assert!(matches!(new(&[rgb]), Err(LossError::ShapeMismatch { .. })));

    // Masks made for an 8×8 image, evaluated on a 10×10 one.
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let config = style_only(layers.to_vec());
    let targets =
        StyleTargets::with_regions(&vgg, &style, &[mask(8, 8, |_, _| 1.0)], &layers).unwrap();
    let loss = TotalLoss::new(config, None, Some(targets)).unwrap();
    let err = loss
        .evaluate(&vgg, random_image(9, 10, 10, &ad))
        .unwrap_err();
    assert!(matches!(err, LossError::ShapeMismatch { .. }), "{err}");
}

#[test]
fn a_region_cut_to_its_box_is_the_guided_loss_over_the_whole_layer() {
    // relu1_1 has the pixels' size, so the mask at the layer is the mask given; it is
    // black outside rows 2..6 and columns 1..5, so the targets cut the features there.
    let ad = device().autodiff();
    let vgg = small_vgg(&ad);
    let config = style_only(vec![Relu1_1]).with_style_layer_weights(Some(vec![1.0]));
    let style = [(random_image(10, 8, 8, &device()), 1.0)];
    let grey = |row: usize, column: usize| {
        if (2..6).contains(&row) && (1..5).contains(&column) {
            0.2 + 0.1 * (row + column) as f64
        } else {
            0.0
        }
    };
    let m = mask(8, 8, grey);
    let targets =
        StyleTargets::with_regions(&vgg, &style, std::slice::from_ref(&m), &config.style_layers)
            .unwrap();
    let image = random_image(11, 8, 8, &device());
    let (got, _) = loss_and_gradient(&vgg, &config, targets, &image);

    let mass: f64 = (0..64).map(|k| grey(k / 8, k % 8).powi(2)).sum();
    let per_position = StyleTargets::new(&vgg, &style, &[Relu1_1])
        .unwrap()
        .gram(Relu1_1, 1)
        .unwrap();
    let features = vgg.features(image.autodiff(), &[Relu1_1]).unwrap()[&Relu1_1].clone();
    let whole = region_style_layer_loss(features, m, per_position.mul_scalar(mass), mass).unwrap();
    let expected = scalar(whole.inner()) * mass / 64.0;
    assert!(
        (got - expected).abs() <= 1e-6 * expected,
        "{got} vs {expected}"
    );
}
