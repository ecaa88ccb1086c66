//! Finite-difference checks of each term's gradient with respect to the pixels, through
//! the network, in float64 (flex's default float type is set to `F64` for this test
//! binary, so the differences measure the derivative, not `f32` rounding).

use burn::tensor::{Device, Tensor, TensorData};
use impasto_loss::{ContentTargets, StyleTargets, TotalLoss, TotalLossConfig};
use impasto_vgg::VggLayer;
use impasto_vgg::portable_rng::{normal, stream};

mod network;

use network::{float64_network, host, image};

fn pixels(values: Vec<f64>, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values, [1, 3, 16, 16]), device)
}

/// `x + step · direction`.
fn perturbed(x: &[f64], direction: &[f64], step: f64, device: &Device) -> Tensor<4> {
    pixels(
        x.iter().zip(direction).map(|(a, d)| a + step * d).collect(),
        device,
    )
}

#[test]
fn each_terms_pixel_gradient_matches_central_differences() {
    let (plain, ad, vgg) = float64_network(5);
    let config = TotalLossConfig::new()
        .with_content_layers(vec![VggLayer::Relu2_2, VggLayer::Relu3_1])
        .with_style_layers(vec![
            VggLayer::Relu1_1,
            VggLayer::Relu2_1,
            VggLayer::Relu3_1,
        ]);
    let content = ContentTargets::new(&vgg, image(1, 16, 16, &ad), &config.content_layers).unwrap();
    let style =
        StyleTargets::new(&vgg, &[(image(2, 12, 20, &ad), 1.0)], &config.style_layers).unwrap();
    let x = host(image(3, 16, 16, &ad));

    let terms = [
        ("content", (1.0, 0.0, 0.0)),
        ("style", (0.0, 1.0, 0.0)),
        ("tv", (0.0, 0.0, 1.0)),
        ("total", (1.0, 1e6, 10.0)),
    ];
    for (term, (alpha, beta, gamma)) in terms {
        let config = config.clone().with_term_weights(alpha, beta, gamma);
        let loss = TotalLoss::new(config, Some(content.clone()), Some(style.clone())).unwrap();
        let at = |pixels: Tensor<4>| loss.evaluate(&vgg, pixels).unwrap().value().unwrap();

        let tracked = pixels(x.clone(), &ad).require_grad();
        let evaluation = loss.evaluate(&vgg, tracked.clone()).unwrap();
        let g = host(tracked.grad(&evaluation.loss().backward()).unwrap());
        let g_max = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));

        // Directional derivatives along random directions, and single pixels.
        let h = 1e-5;
        for seed in 0..2 {
            let v: Vec<f64> = normal(stream(100 + seed, 0), x.len(), 1.0)
                .into_iter()
                .map(f64::from)
                .collect();
            let numeric =
                (at(perturbed(&x, &v, h, &plain)) - at(perturbed(&x, &v, -h, &plain))) / (2.0 * h);
            let analytic: f64 = g.iter().zip(&v).map(|(a, b)| a * b).sum();
            let scale = g.iter().map(|a| a * a).sum::<f64>().sqrt() * (x.len() as f64).sqrt();
            assert!(
                (numeric - analytic).abs() <= 1e-7 * scale,
                "{term}, direction {seed}: autodiff {analytic}, finite difference {numeric}"
            );
        }
        for index in [0, 17, 255, 256 + 100, 511 + 256, 767] {
            let mut e = vec![0.0; x.len()];
            e[index] = 1.0;
            let numeric =
                (at(perturbed(&x, &e, h, &plain)) - at(perturbed(&x, &e, -h, &plain))) / (2.0 * h);
            assert!(
                (numeric - g[index]).abs() <= 1e-6 * g_max,
                "{term}, pixel {index}: autodiff {}, finite difference {numeric}",
                g[index]
            );
        }
    }
}
