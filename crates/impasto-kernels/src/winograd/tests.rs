//! Tests of the Winograd convolution against the definition, summed in f64.

use super::*;
use crate::test_support::{
    self, Dims, cases, direct, direct_input_gradient, max_difference, poison_scratch, shape, values,
};

/// The shared shapes (odd and even sides, tiles cut short at the right and bottom, sides
/// of 1 and 2, several images, a row wider than many tiles), a 2 × 1 image, and channels
/// enough for several bands per image.
const SHAPES: [Dims; 8] = {
    let [a, b, c, d, e, f] = test_support::SHAPES;
    [a, b, c, d, (1, 3, 2, 2, 1), e, f, (2, 48, 40, 61, 50)]
};

const TILES: [Tile; 2] = [Tile::F2, Tile::F4];

fn forward(weights: &[f32], s: Conv3x3Shape, tile: Tile) -> WinogradFilters {
    transform_filters(weights, s, Filters::Forward, tile)
}

/// The largest error each tile is held to, relative to the largest output: F(4×4, 3×3)'s
/// transforms multiply by up to 8 (see the module's note on accuracy).
fn tolerance(tile: Tile) -> f32 {
    match tile {
        Tile::F2 => 2e-6,
        Tile::F4 => 2e-5,
    }
}

/// Largest difference relative to the reference's largest magnitude: Winograd's rounding
/// grows with the sums, not with each element.
fn relative_error(fast: &[f32], reference: &[f32]) -> f32 {
    let scale = reference.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    max_difference(fast, reference) / scale
}

#[test]
fn forward_matches_the_definition() {
    for tile in TILES {
        for (s, [input, weights, bias]) in cases(&SHAPES, 11) {
            for bias in [Some(&bias[..]), None] {
                poison_scratch();
                let fast = conv3x3_winograd(&input, &forward(&weights, s, tile), bias, s, false);
                let error = relative_error(&fast, &direct(&input, &weights, bias, s));
                assert!(
                    error < tolerance(tile),
                    "{tile:?}, shape {s:?}, bias {}: relative error {error}",
                    bias.is_some()
                );
            }
        }
    }
}

/// Heights and widths around multiples of four, where F(4×4, 3×3)'s last tiles are cut
/// short (and the row phases run out) in every way.
#[test]
fn every_cut_of_the_last_tile_matches_the_definition() {
    for height in 1..=9 {
        for width in [1, 2, 3, 4, 5, 6, 7, 8, 9, 13] {
            let s = shape((1, 3, 2, height, width));
            let input = values(s.channels_in * s.plane(), height as u64);
            let weights = values(s.channels_out * s.channels_in * 9, width as u64);
            for tile in TILES {
                poison_scratch();
                let fast = conv3x3_winograd(&input, &forward(&weights, s, tile), None, s, false);
                let error = relative_error(&fast, &direct(&input, &weights, None, s));
                assert!(error < tolerance(tile), "{tile:?}, {s:?}: {error}");
            }
        }
    }
}

#[test]
fn fused_relu_is_the_relu_of_the_forward() {
    for tile in TILES {
        for (s, [input, weights, bias]) in cases(&SHAPES, 13) {
            let filters = forward(&weights, s, tile);
            let plain = conv3x3_winograd(&input, &filters, Some(&bias), s, false);
            poison_scratch();
            let fused = conv3x3_winograd(&input, &filters, Some(&bias), s, true);
            let rectified: Vec<f32> = plain.iter().map(|&v| v.max(0.0)).collect();
            assert_eq!(fused, rectified, "{tile:?}, shape {s:?}");
            if fused.len() >= 20 {
                assert!(fused.contains(&0.0) && fused.iter().any(|&v| v > 0.0));
            }
        }
    }
}

/// With the rotated, transposed filters, the convolution of the output gradient is the
/// forward's input gradient.
#[test]
fn input_gradient_filters_give_the_input_gradient() {
    for (i, &dims) in SHAPES.iter().enumerate() {
        let forward = shape(dims);
        let weights = values(
            forward.channels_out * forward.channels_in * 9,
            17 * i as u64 + 1,
        );
        let grad_out = values(
            forward.batch * forward.channels_out * forward.height * forward.width,
            17 * i as u64 + 2,
        );
        let backward = Conv3x3Shape {
            channels_in: forward.channels_out,
            channels_out: forward.channels_in,
            ..forward
        };
        let reference = direct_input_gradient(&grad_out, &weights, forward);
        for tile in TILES {
            poison_scratch();
            let fast = conv3x3_winograd(
                &grad_out,
                &transform_filters(&weights, backward, Filters::InputGradient, tile),
                None,
                backward,
                false,
            );
            let error = relative_error(&fast, &reference);
            assert!(
                error < tolerance(tile),
                "{tile:?}, shape {forward:?}: relative error {error}"
            );
        }
    }
}

/// VGG-sized channel counts, where the sums are long: F(2×2, 3×3)'s error stays at the
/// im2col path's level, F(4×4, 3×3)'s within 16× of it (8× measured; all against f64).
#[test]
fn long_sums_stay_accurate() {
    let s = shape((1, 256, 32, 12, 10));
    let input = values(s.batch * s.channels_in * s.height * s.width, 5);
    let weights = values(s.channels_out * s.channels_in * 9, 6);
    let reference = direct(&input, &weights, None, s);
    let im2col = relative_error(
        &crate::conv3x3::conv3x3_same(&input, &weights, None, s, false),
        &reference,
    );
    for (tile, factor) in [(Tile::F2, 4.0), (Tile::F4, 16.0)] {
        let winograd = relative_error(
            &conv3x3_winograd(&input, &forward(&weights, s, tile), None, s, false),
            &reference,
        );
        eprintln!("{tile:?}: winograd {winograd}, im2col {im2col}");
        assert!(
            winograd < factor * im2col.max(1e-7),
            "{tile:?}: winograd {winograd}, im2col {im2col}"
        );
    }
}

#[test]
fn bands_are_even_across_threads() {
    let vgg = |c: usize, side: usize| Conv3x3Shape {
        batch: 1,
        channels_in: c,
        channels_out: c,
        height: side,
        width: side,
    };
    // 112 × 112 tiles of 8 KB: 512 a band → 25 bands → 26 → 5 tile rows each.
    assert_eq!(band_rows(vgg(64, 224), Tile::F2, 2), 5);
    // 56 × 56 tiles of 18 KB: 227 a band, but at least 256 → 13 bands → 14 → 4 tile rows.
    assert_eq!(band_rows(vgg(64, 224), Tile::F4, 2), 4);
    // 28 × 28 tiles of 32 KB: 128 a band, but at least 256 → 4 bands → 7 tile rows each.
    assert_eq!(band_rows(vgg(256, 56), Tile::F2, 2), 7);
    // 7 × 7 tiles of 64 KB: one band of 49, fewer than the threads: the whole image.
    assert_eq!(band_rows(vgg(512, 14), Tile::F2, 2), 7);
    assert_eq!(band_rows(vgg(4, 1), Tile::F2, 16), 1);
}

/// The layers it takes and with which tile: all of VGG16's at 224 px but the forward of the
/// 3-channel one (its input gradient, 64 channels to 3, it takes), F(4×4, 3×3) down to 28
/// × 28, and none smaller than 8 × 8.
#[test]
fn winograd_takes_the_layers_where_it_pays() {
    let layer = |channels_in: usize, channels_out: usize, side: usize| Conv3x3Shape {
        batch: 1,
        channels_in,
        channels_out,
        height: side,
        width: side,
    };
    assert_eq!(winograd_tile(layer(3, 64, 224)), None);
    assert_eq!(winograd_tile(layer(64, 3, 224)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(64, 64, 224)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(128, 256, 56)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(256, 256, 56)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(256, 512, 28)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(512, 512, 24)), Some(Tile::F4));
    assert_eq!(winograd_tile(layer(512, 512, 20)), Some(Tile::F2));
    assert_eq!(winograd_tile(layer(512, 512, 14)), Some(Tile::F2));
    assert_eq!(winograd_tile(layer(512, 512, 6)), None);
    assert_eq!(winograd_tile(layer(16, 16, 8)), Some(Tile::F2));
    assert_eq!(winograd_tile(layer(8, 16, 8)), None);
    assert_eq!(winograd_tile(layer(16, 1, 8)), Some(Tile::F2));
}

/// Through a ReLU: the same arithmetic as the convolution of the masked input, so the
/// same result to the bit, for every shape and both tiles (several images, so each band
/// reads its own image's ReLU output).
#[test]
fn through_relu_is_the_convolution_of_the_masked_input() {
    for tile in TILES {
        for (s, [input, weights, _]) in cases(&SHAPES, 19) {
            let relu_output: Vec<f32> = values(input.len(), 23)
                .into_iter()
                .map(|v| v.max(0.0))
                .collect();
            let masked: Vec<f32> = input
                .iter()
                .zip(&relu_output)
                .map(|(&g, &y)| if y > 0.0 { g } else { 0.0 })
                .collect();
            let filters = forward(&weights, s, tile);
            poison_scratch();
            let fused = conv3x3_winograd_through_relu(&input, &relu_output, &filters, s);
            assert_eq!(
                fused,
                conv3x3_winograd(&masked, &filters, None, s, false),
                "{tile:?}, shape {s:?}"
            );
            if masked.len() >= 20 {
                assert!(masked.contains(&0.0) && fused.iter().any(|&v| v != 0.0));
            }
        }
    }
}

/// Through a ReLU and a 2×2 max-pool, the pooled gradient unpooled row by row: the same,
/// to the bit, as the convolution through the ReLU of the max-pool's backward written out
/// in full (odd sides, whose last row or column the pool drops, and ties, which go to the
/// first maximum, included).
#[test]
fn through_relu_pool_is_the_convolution_of_the_unpooled_gradient() {
    for tile in TILES {
        for (s, [_, weights, _]) in cases(&SHAPES, 29) {
            let planes = s.batch * s.channels_in;
            // Rounded to tenths, and half of them zero: ties within windows, some of them
            // at zero (where the ReLU then stops the gradient).
            let relu_output: Vec<f32> = values(planes * s.plane(), 31)
                .into_iter()
                .map(|v| (v * 10.0).round().max(0.0) / 10.0)
                .collect();
            let pooled = values(planes * (s.height / 2) * (s.width / 2), 37);
            let unpooled = crate::max_pool::max_pool2x2_backward(
                &relu_output,
                &pooled,
                planes,
                s.height,
                s.width,
            );
            let filters = forward(&weights, s, tile);
            poison_scratch();
            let fused = conv3x3_winograd_through_relu_pool(&pooled, &relu_output, &filters, s);
            let reference = conv3x3_winograd_through_relu(&unpooled, &relu_output, &filters, s);
            assert_eq!(fused, reference, "{tile:?}, shape {s:?}");
            if pooled.len() >= 20 {
                assert!(fused.iter().any(|&v| v != 0.0), "{tile:?}, shape {s:?}");
            }
        }
    }
}
