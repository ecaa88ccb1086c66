//! Shared by the conformance tests: the float64 PyTorch fixture
//! (`tests/fixtures/make_loss_fixtures.py`), the same inputs rebuilt here, and the
//! comparison of every term and gradient.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor, TensorData};
use impasto_loss::{ContentTargets, StyleTargets, TotalLoss, TotalLossConfig};
use impasto_vgg::portable_rng::{normal, stream, uniform};
use impasto_vgg::{Vgg, VggConfig, VggLayer};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Fixture {
    pub vgg_seed: u64,
    pub images: BTreeMap<String, ImageSpec>,
    pub probe_seed: u64,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct ImageSpec {
    pub seed: u64,
    pub height: usize,
    pub width: usize,
}

#[derive(Deserialize)]
pub struct Case {
    pub name: String,
    pub content_weight: f64,
    pub style_weight: f64,
    pub tv_weight: f64,
    pub content_layers: Vec<String>,
    pub style_layers: Vec<String>,
    pub style_layer_weights: Option<Vec<f64>>,
    pub styles: Vec<(String, f64)>,
    pub content: f64,
    pub style: f64,
    pub tv: f64,
    pub total: f64,
    pub style_per_layer: BTreeMap<String, f64>,
    pub gradient_norm: BTreeMap<String, f64>,
    pub gradient_dot_probe: BTreeMap<String, f64>,
    pub total_gradient: Option<Vec<f64>>,
}

pub fn load_fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/loss/reference.json"
    );
    let text = std::fs::read_to_string(path).expect("the fixture is committed");
    serde_json::from_str(&text).expect("the fixture parses")
}

fn layers(names: &[String]) -> Vec<VggLayer> {
    names
        .iter()
        .map(|n| n.parse().expect("a layer name"))
        .collect()
}

/// The pixels `portable_rng` gives the fixture script, `[1, 3, H, W]`.
fn image(fixture: &Fixture, name: &str, device: &Device) -> Tensor<4> {
    let spec = &fixture.images[name];
    let n = 3 * spec.height * spec.width;
    let pixels = uniform(stream(spec.seed, 0), n, 0.0, 1.0);
    Tensor::from_data(
        TensorData::new(pixels, [1, 3, spec.height, spec.width]),
        device,
    )
}

fn host(tensor: Tensor<4>) -> Vec<f64> {
    tensor.try_into_vec_as::<f64>().expect("readable")
}

/// One compared quantity: its name, our value, the reference's.
pub struct Row {
    pub case: String,
    pub quantity: String,
    pub ours: f64,
    pub reference: f64,
}

impl Row {
    pub fn relative_error(&self) -> f64 {
        ((self.ours - self.reference) / self.reference).abs()
    }
}

/// Evaluates every case of the fixture on `device` (an autodiff device) and returns our
/// values beside the reference's: each term, each style layer, each term's gradient
/// (L2 norm and projection on the probe direction) and, where the fixture has it, the
/// whole gradient of the total (as norm-wise and elementwise-of-max relative errors,
/// with reference 1 so that `relative_error` is that error).
pub fn compare_all(device: &Device) -> Vec<Row> {
    let fixture = load_fixture();
    let vgg: Vgg = VggConfig::new().with_seed(fixture.vgg_seed).init(device);
    let x = image(&fixture, "init", device);
    let probe = {
        let n = x.shape().num_elements();
        normal(stream(fixture.probe_seed, 0), n, 1.0)
    };
    let mut rows = Vec::new();
    for case in &fixture.cases {
        let mut row = |quantity: String, ours: f64, reference: f64| {
            rows.push(Row {
                case: case.name.clone(),
                quantity,
                ours,
                reference,
            })
        };
        let config = TotalLossConfig::new()
            .with_content_weight(case.content_weight)
            .with_style_weight(case.style_weight)
            .with_tv_weight(case.tv_weight)
            .with_content_layers(layers(&case.content_layers))
            .with_style_layers(layers(&case.style_layers))
            .with_style_layer_weights(case.style_layer_weights.clone());
        let content = image(&fixture, "content", device);
        let styles: Vec<(Tensor<4>, f64)> = case
            .styles
            .iter()
            .map(|(name, k)| (image(&fixture, name, device), *k))
            .collect();
        let content = ContentTargets::new(&vgg, content, &config.content_layers).unwrap();
        let style = StyleTargets::new(&vgg, &styles, &config.style_layers).unwrap();

        let weights = [
            ("content", (1.0, 0.0, 0.0)),
            ("style", (0.0, 1.0, 0.0)),
            ("tv", (0.0, 0.0, 1.0)),
            (
                "total",
                (case.content_weight, case.style_weight, case.tv_weight),
            ),
        ];
        for (term, (alpha, beta, gamma)) in weights {
            let config = config.clone().with_term_weights(alpha, beta, gamma);
            let loss = TotalLoss::new(config, Some(content.clone()), Some(style.clone())).unwrap();
            let pixels = x.clone().require_grad();
            let evaluation = loss.evaluate(&vgg, pixels.clone()).unwrap();
            let grads = evaluation.loss().backward();
            let g = host(pixels.grad(&grads).expect("the pixels are tracked"));
            let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let dot: f64 = g.iter().zip(&probe).map(|(a, &b)| a * b as f64).sum();
            row(format!("∇{term} ‖·‖"), norm, case.gradient_norm[term]);
            row(format!("∇{term}·v"), dot, case.gradient_dot_probe[term]);
            if term != "total" {
                continue;
            }
            let b = evaluation.breakdown().unwrap();
            row("content".into(), b.content, case.content);
            for (layer, e) in &b.style_per_layer {
                row(
                    format!("E {layer}"),
                    *e,
                    case.style_per_layer[&layer.to_string()],
                );
            }
            row("style".into(), b.style, case.style);
            row("tv".into(), b.tv, case.tv);
            row("total".into(), b.total, case.total);
            if let Some(reference) = &case.total_gradient {
                let diff = g.iter().zip(reference).map(|(a, b)| (a - b) * (a - b));
                let ref_norm = reference.iter().map(|v| v * v).sum::<f64>().sqrt();
                let normwise = diff.sum::<f64>().sqrt() / ref_norm;
                let max_ref = reference.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                let max_diff = g
                    .iter()
                    .zip(reference)
                    .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
                row("∇total ‖g−g_ref‖/‖g_ref‖".into(), 1.0 + normwise, 1.0);
                row(
                    "∇total max|g−g_ref|/max|g_ref|".into(),
                    1.0 + max_diff / max_ref,
                    1.0,
                );
            }
        }
    }
    rows
}

/// Prints the table and returns the largest relative error.
pub fn report(rows: &[Row]) -> f64 {
    println!(
        "{:<22} {:<34} {:>16} {:>16} {:>10}",
        "case", "quantity", "ours", "reference", "rel. err"
    );
    let mut worst = 0.0_f64;
    for r in rows {
        println!(
            "{:<22} {:<34} {:>16.9e} {:>16.9e} {:>10.2e}",
            r.case,
            r.quantity,
            r.ours,
            r.reference,
            r.relative_error()
        );
        worst = worst.max(r.relative_error());
    }
    println!("largest relative error: {worst:.3e}");
    worst
}
