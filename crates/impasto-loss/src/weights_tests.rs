//! The balance's scales against sums made on the host, and the weights it resolves.

use burn::tensor::{Device, Tensor};
use impasto_vgg::{Vgg, VggConfig, VggLayer};

use super::{LossWeights, TermScales, TermWeights, term_scales};
use crate::{ContentTargets, LossError, StyleTargets, Term};

const CONTENT: [VggLayer; 1] = [VggLayer::Relu2_2];
const STYLE: [VggLayer; 2] = [VggLayer::Relu1_1, VggLayer::Relu2_1];
const LAYER_WEIGHTS: [f64; 2] = [0.25, 0.75];

fn host(t: Tensor<4>) -> Vec<f64> {
    t.try_into_vec_as::<f64>().unwrap()
}

/// A seeded image `[1, 3, h, w]` in [0, 1].
fn image(h: usize, w: usize, seed: u64, device: &Device) -> Tensor<4> {
    let values = impasto_vgg::portable_rng::uniform(seed, 3 * h * w, 0.0, 1.0);
    Tensor::<1>::from_floats(values.as_slice(), device).reshape([1, 3, h, w])
}

fn targets(content: &Tensor<4>, style: &Tensor<4>) -> (Vgg, ContentTargets, StyleTargets) {
    let vgg = VggConfig::new()
        .with_seed(5)
        .with_last_layer(Some(VggLayer::Relu2_2))
        .init(&Device::flex());
    let c = ContentTargets::new(&vgg, content.clone(), &CONTENT).unwrap();
    let s = StyleTargets::new(&vgg, &[(style.clone(), 1.0)], &STYLE).unwrap();
    (vgg, c, s)
}

fn scales_of(
    content: &Tensor<4>,
    c: &ContentTargets,
    s: &StyleTargets,
) -> Result<TermScales, LossError> {
    term_scales(&CONTENT, &STYLE, &LAYER_WEIGHTS, c, s, content)
}

#[test]
fn scales_are_the_terms_of_a_featureless_image_and_the_photos_variation() {
    let device = Device::flex();
    let (content, style) = (image(12, 16, 1, &device), image(20, 10, 2, &device));
    let (_, c, s) = targets(&content, &style);
    let got = scales_of(&content, &c, &s).unwrap();

    let p = host(c.get(VggLayer::Relu2_2).unwrap().clone());
    let content_scale = 0.5 * p.iter().map(|v| v * v).sum::<f64>();
    let mut style_scale = 0.0;
    for (layer, w) in STYLE.into_iter().zip(LAYER_WEIGHTS) {
        // A per position: the scale must not depend on M.
        let a = s.gram(layer, 7).unwrap();
        let n = a.dims()[1] as f64;
        let a = a.try_into_vec_as::<f64>().unwrap();
        style_scale += w * a.iter().map(|v| v * v).sum::<f64>() / (4.0 * n * n * 49.0);
    }
    let x = host(content.clone());
    let (h, w) = (12, 16);
    let mut tv = 0.0;
    for ch in 0..3 {
        for i in 0..h {
            for j in 0..w {
                let at = |i: usize, j: usize| x[(ch * h + i) * w + j];
                if i + 1 < h {
                    tv += (at(i + 1, j) - at(i, j)).powi(2);
                }
                if j + 1 < w {
                    tv += (at(i, j + 1) - at(i, j)).powi(2);
                }
            }
        }
    }
    for (name, got, want) in [
        ("content", got.content, content_scale),
        ("style", got.style, style_scale),
        ("tv", got.tv, tv),
    ] {
        assert!((got - want).abs() <= 1e-5 * want, "{name}: {got} vs {want}");
    }
}

#[test]
fn a_balance_sets_beta_and_gamma_from_the_scales_and_fixed_weights_stay() {
    let scales = TermScales {
        content: 5.0,
        style: 0.25,
        tv: 40.0,
    };
    let balanced = LossWeights::Balanced {
        style: 3.0,
        tv: 0.5,
    };
    assert_eq!(
        balanced.resolve(Some(&scales)).unwrap(),
        TermWeights {
            content: 1.0,
            style: 3.0 * 5.0 / 0.25,
            tv: 0.5 * 5.0 / 40.0
        }
    );
    assert!(matches!(
        balanced.resolve(None),
        Err(LossError::NoScale { .. })
    ));
    let fixed = LossWeights::Fixed {
        content: 2.0,
        style: 7.0,
        tv: 0.0,
    };
    let want = TermWeights {
        content: 2.0,
        style: 7.0,
        tv: 0.0,
    };
    assert_eq!(fixed.resolve(Some(&scales)).unwrap(), want);
    assert_eq!(fixed.resolve(None).unwrap(), want);
    // The temporal weight: relative to S_c under a balance, as given otherwise.
    assert_eq!(balanced.temporal_coefficient(3.0, Some(&scales)), 15.0);
    assert_eq!(fixed.temporal_coefficient(3.0, Some(&scales)), 3.0);
    assert_eq!(LossWeights::default(), LossWeights::BALANCED);
    assert_eq!(
        LossWeights::balanced(60.0),
        LossWeights::Balanced {
            style: 60.0,
            tv: 0.5
        }
    );
}

#[test]
fn bad_numbers_are_refused_by_name() {
    for (weights, name) in [
        (
            LossWeights::Balanced {
                style: f64::NAN,
                tv: 1.0,
            },
            "style_strength",
        ),
        (
            LossWeights::Balanced {
                style: 1.0,
                tv: -1.0,
            },
            "tv_strength",
        ),
        (
            LossWeights::Fixed {
                content: -1.0,
                style: 1.0,
                tv: 1.0,
            },
            "content_weight",
        ),
        (
            LossWeights::Fixed {
                content: 1.0,
                style: f64::INFINITY,
                tv: 1.0,
            },
            "style_weight",
        ),
    ] {
        let error = weights.validate().unwrap_err();
        assert!(error.to_string().contains(name), "{error}");
        assert!(weights.resolve(None).is_err());
    }
}

#[test]
fn a_flat_photo_has_a_floor_and_a_silent_style_has_no_scale() {
    let device = Device::flex();
    let flat = Tensor::<4>::full([1, 3, 8, 8], 0.5, &device);
    let (_, c, s) = targets(&flat, &image(8, 8, 6, &device));
    // No variation: one 8-bit step per difference, 3 · 2 · 8 · 7 of them.
    let sc = scales_of(&flat, &c, &s).unwrap();
    assert!((sc.tv - 336.0 / 65025.0).abs() < 1e-12, "{}", sc.tv);
    // Layer weights all 0: the style term has no scale to measure against.
    let error = term_scales(&CONTENT, &STYLE, &[0.0, 0.0], &c, &s, &flat).unwrap_err();
    assert!(
        matches!(error, LossError::NoScale { term: Term::Style, value } if value == 0.0),
        "{error:?}"
    );
}
