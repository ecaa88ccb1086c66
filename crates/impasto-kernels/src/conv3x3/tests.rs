//! Tests of the convolution kernel against its definition, summed in f64.

use super::*;

use super::tiles::tile_rows;
use crate::test_support::{
    self, Dims, cases, direct, direct_input_gradient, max_difference, poison_scratch, shape, values,
};

/// The shared shapes (one and many tiles per image, a tile cut short at the bottom, widths
/// of 1 and 2, more than one image) and another side past `TILE_PIXELS` (one row per
/// tile).
const SHAPES: [Dims; 7] = {
    let [a, b, c, d, e, f] = test_support::SHAPES;
    [a, b, c, d, e, f, (1, 16, 9, 130, 17)]
};

#[test]
fn matches_the_definition() {
    for (s, [input, weights, bias]) in cases(&SHAPES, 3) {
        poison_scratch();
        let fast = conv3x3_same(&input, &weights, Some(&bias), s, false);
        let reference = direct(&input, &weights, Some(&bias), s);
        let error = max_difference(&fast, &reference);
        assert!(error < 1e-5, "shape {s:?}: max difference {error}");
        let unbiased = conv3x3_same(&input, &weights, None, s, false);
        let error = max_difference(&unbiased, &direct(&input, &weights, None, s));
        assert!(
            error < 1e-5,
            "shape {s:?} without bias: max difference {error}"
        );
    }
}

/// The input gradient against its formula written out, summed in f64.
#[test]
fn input_gradient_matches_the_definition() {
    for (i, &dims) in SHAPES.iter().enumerate() {
        let s = shape(dims);
        let weights = values(s.channels_out * s.channels_in * 9, 5 * i as u64 + 7);
        let grad_out = values(s.batch * s.channels_out * s.plane(), 5 * i as u64 + 8);
        poison_scratch();
        let fast = conv3x3_same_input_gradient(&grad_out, &weights, s);
        let reference = direct_input_gradient(&grad_out, &weights, s);
        let error = max_difference(&fast, &reference);
        assert!(error < 1e-5, "shape {s:?}: max difference {error}");
    }
}

#[test]
fn tiles_are_even_across_threads() {
    // [height, width, threads] → rows per tile
    assert_eq!(tile_rows(224, 224, 2), 3); // 75 tiles of 672 pixels
    assert_eq!(tile_rows(56, 56, 2), 7); // 8 tiles of 392
    assert_eq!(tile_rows(28, 28, 2), 14); // 2 tiles of 392, not 504 + 280
    assert_eq!(tile_rows(14, 14, 2), 14); // one tile: 98 pixels a thread is too few
    assert_eq!(tile_rows(3, 600, 2), 1); // wider than a tile: one row each
    assert_eq!(tile_rows(5, 7, 1), 5);
    assert_eq!(tile_rows(1, 1, 16), 1);
}

#[test]
fn empty_batch_gives_an_empty_output() {
    let s = shape((0, 2, 3, 4, 4));
    assert!(conv3x3_same(&[], &values(54, 1), None, s, false).is_empty());
}

/// With the ReLU fused: the forward is `max(conv, 0)`, and the gradient through it is the
/// output gradient zeroed where that output is ≤ 0.
#[test]
fn fused_relu_matches_relu_after_the_convolution() {
    for (i, (s, [input, weights, bias])) in cases(&SHAPES, 7).enumerate() {
        poison_scratch();
        let fused = conv3x3_same(&input, &weights, Some(&bias), s, true);
        let plain = direct(&input, &weights, Some(&bias), s);
        let rectified: Vec<f32> = plain.iter().map(|&v| v.max(0.0)).collect();
        assert!(
            max_difference(&fused, &rectified) < 1e-5,
            "forward, shape {s:?}"
        );
        if fused.len() >= 20 {
            // Both sides of the ReLU are exercised.
            assert!(fused.contains(&0.0) && fused.iter().any(|&v| v > 0.0));
        }

        let grad_out = values(fused.len(), 7 * i as u64 + 4);
        let masked: Vec<f32> = grad_out
            .iter()
            .zip(&fused)
            .map(|(&g, &y)| if y > 0.0 { g } else { 0.0 })
            .collect();
        let mut through_relu = grad_out.clone();
        relu_gradient_in_place(&mut through_relu, &fused);
        assert_eq!(through_relu, masked, "gradient, shape {s:?}");
    }
}
