//! How accurate an `f32` Gram matrix is at 512 px, where `relu1_1` has
//! `M = 512² = 262 144` positions per channel: `gram`'s `f32` result (on flex, impasto's
//! kernel: partial Grams per thread, summed) against the same features' Gram computed in
//! `f64` on the host, and the style layer loss built on it.
//! Run with `--nocapture` to see the measured errors (quoted in `docs/maths.md`).

use burn::tensor::{Device, Tensor, TensorData};
use impasto_loss::{gram, style_layer_loss};
use impasto_vgg::portable_rng::{stream, uniform};
use impasto_vgg::{VggConfig, VggLayer};

const SIDE: usize = 512;

fn features(layer: VggLayer, seed: u64, device: &Device) -> Tensor<4> {
    let vgg = VggConfig::new()
        .with_seed(0)
        .with_last_layer(Some(layer))
        .init(device);
    let pixels = uniform(stream(seed, 0), 3 * SIDE * SIDE, 0.0, 1.0);
    let image = Tensor::from_data(TensorData::new(pixels, [1, 3, SIDE, SIDE]), device);
    vgg.features(image, &[layer]).unwrap()[&layer].clone()
}

/// `F Fᵀ` in f64 from the very `f32` features burn used.
fn host_gram(features: &[f32], channels: usize) -> Vec<f64> {
    let m = features.len() / channels;
    let rows: Vec<Vec<f64>> = features
        .chunks(m)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let mut g = vec![0.0; channels * channels];
    for i in 0..channels {
        for j in i..channels {
            let dot: f64 = rows[i].iter().zip(&rows[j]).map(|(a, b)| a * b).sum();
            g[i * channels + j] = dot;
            g[j * channels + i] = dot;
        }
    }
    g
}

/// Largest `|G32 − G64|` relative to `|G64|`, and relative to the Cauchy–Schwarz bound
/// `√(G_ii G_jj)` (the scale of an entry whatever the signs of the features).
fn errors(g32: &[f64], g64: &[f64], channels: usize) -> (f64, f64) {
    let mut elementwise = 0.0_f64;
    let mut normalised = 0.0_f64;
    for i in 0..channels {
        for j in 0..channels {
            let k = i * channels + j;
            let diff = (g32[k] - g64[k]).abs();
            if g64[k] != 0.0 {
                elementwise = elementwise.max(diff / g64[k].abs());
            }
            let bound = (g64[i * channels + i] * g64[j * channels + j]).sqrt();
            normalised = normalised.max(diff / bound);
        }
    }
    (elementwise, normalised)
}

#[test]
fn gram_f32_accuracy_at_512_px() {
    let device = Device::flex();
    // relu1_1 only: the host f64 reference is slow in the dev profile. (conv1_1, whose
    // signed features make entries cancel, measured 7.1e-7 of √(G_ii G_jj) once.)
    let layer = VggLayer::Relu1_1;
    let f = features(layer, 1, &device);
    let a = features(layer, 2, &device);
    let [_, channels, h, w] = f.dims();
    assert_eq!(h * w, 262_144);
    let host_f: Vec<f32> = f.clone().try_into_vec_as::<f32>().unwrap();
    let host_a: Vec<f32> = a.clone().try_into_vec_as::<f32>().unwrap();
    let g64 = host_gram(&host_f, channels);
    let a64 = host_gram(&host_a, channels);
    let g32: Vec<f64> = gram(f.clone()).try_into_vec_as::<f64>().unwrap();
    let (elementwise, normalised) = errors(&g32, &g64, channels);

    let e32 = style_layer_loss(gram(f), gram(a), h * w)
        .unwrap()
        .try_into_vec_as::<f64>()
        .unwrap()[0];
    let scale = 4.0 * (channels * channels) as f64 * ((h * w) as f64).powi(2);
    let e64 = g64
        .iter()
        .zip(&a64)
        .map(|(g, a)| (g - a) * (g - a))
        .sum::<f64>()
        / scale;
    let e_error = ((e32 - e64) / e64).abs();
    let cond = g64.iter().map(|g| g * g).sum::<f64>().sqrt()
        / g64
            .iter()
            .zip(&a64)
            .map(|(g, a)| (g - a) * (g - a))
            .sum::<f64>()
            .sqrt();
    println!(
        "{layer} at {SIDE} px (M = {}): Gram max relative error {elementwise:.2e}, \
         max error / sqrt(G_ii G_jj) {normalised:.2e}; E_l relative error {e_error:.2e} \
         (||G|| / ||G - A|| = {cond:.1})",
        h * w
    );
    // Measured: 1.0e-6 elementwise (ReLU features are ≥ 0, so no entry cancels),
    // 9.2e-7 of √(G_ii G_jj), and 9.1e-6 on E_l, whose G − A cancels 166-fold for
    // two noise images. Bounds with a margin of about 5:
    assert!(normalised < 5e-6, "{layer}: {normalised:.2e}");
    assert!(elementwise < 5e-6, "{layer}: {elementwise:.2e}");
    assert!(e_error < 5e-5, "{layer}: E_l {e_error:.2e}");
}
