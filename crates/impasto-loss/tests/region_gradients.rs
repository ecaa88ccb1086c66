//! Finite-difference check of the style loss with regions (two styles, grey masks that
//! overlap), through the network, in float64 (flex's default float type is set to `F64`
//! for this test binary).

use burn::tensor::{Tensor, TensorData};
use impasto_loss::{StyleTargets, TotalLoss, TotalLossConfig};
use impasto_vgg::VggLayer;
use impasto_vgg::portable_rng::{normal, stream};

mod network;

use network::{float64_network, host, image};

#[test]
fn the_regions_style_gradient_matches_central_differences() {
    let (plain, ad, vgg) = float64_network(9);
    let layers = vec![VggLayer::Relu1_1, VggLayer::Relu2_1, VggLayer::Relu3_1];
    let config = TotalLossConfig::new()
        .with_term_weights(0.0, 1e6, 0.0)
        .with_style_layers(layers.clone());
    // A soft left-to-right ramp and a blob; they overlap in the middle.
    let (height, width) = (16, 16);
    let ramp: Vec<f64> = (0..height * width)
        .map(|k| ((k % width) as f64 / (width - 1) as f64).powf(1.5))
        .collect();
    let blob: Vec<f64> = (0..height * width)
        .map(|k| {
            let (r, c) = ((k / width) as f64 - 6.0, (k % width) as f64 - 5.0);
            (-(r * r + c * c) / 20.0).exp()
        })
        .collect();
    let masks = [ramp, blob]
        .map(|m| Tensor::<4>::from_data(TensorData::new(m, [1, 1, height, width]), &plain));
    let styles = [
        (image(2, 12, 20, &plain), 1.0),
        (image(4, 18, 14, &plain), 2.0),
    ];
    let targets = StyleTargets::with_regions(&vgg, &styles, &masks, &layers).unwrap();
    let loss = TotalLoss::new(config, None, Some(targets)).unwrap();
    let at = |x: &[f64]| {
        let pixels = Tensor::from_data(TensorData::new(x.to_vec(), [1, 3, height, width]), &plain);
        loss.evaluate(&vgg, pixels).unwrap().value().unwrap()
    };

    let x = host(image(3, height, width, &plain));
    let tracked = Tensor::<4>::from_data(TensorData::new(x.clone(), [1, 3, height, width]), &ad)
        .require_grad();
    let evaluation = loss.evaluate(&vgg, tracked.clone()).unwrap();
    let g = host(tracked.grad(&evaluation.loss().backward()).unwrap());
    let g_max = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(g_max > 0.0);

    // 1e-6, not the other checks' 1e-5: with this seed a step of 1e-5 along the first
    // direction crosses a ReLU's kink (the difference quotient moves by 1e-3 between 1e-4
    // and 1e-5, and agrees with autodiff to 1e-10 from 1e-6 down).
    let h = 1e-6;
    let moved = |direction: &[f64], step: f64| -> Vec<f64> {
        x.iter().zip(direction).map(|(a, d)| a + step * d).collect()
    };
    for seed in 0..2 {
        let v: Vec<f64> = normal(stream(200 + seed, 0), x.len(), 1.0)
            .into_iter()
            .map(f64::from)
            .collect();
        let numeric = (at(&moved(&v, h)) - at(&moved(&v, -h))) / (2.0 * h);
        let analytic: f64 = g.iter().zip(&v).map(|(a, b)| a * b).sum();
        let scale = g.iter().map(|a| a * a).sum::<f64>().sqrt() * (x.len() as f64).sqrt();
        assert!(
            (numeric - analytic).abs() <= 1e-7 * scale,
            "direction {seed}: autodiff {analytic}, finite difference {numeric}"
        );
    }
    for index in [0, 40, 255, 256 + 120, 512 + 200, 767] {
        let mut e = vec![0.0; x.len()];
        e[index] = 1.0;
        let numeric = (at(&moved(&e, h)) - at(&moved(&e, -h))) / (2.0 * h);
        assert!(
            (numeric - g[index]).abs() <= 1e-6 * g_max,
            "pixel {index}: autodiff {}, finite difference {numeric}",
            g[index]
        );
    }
}
