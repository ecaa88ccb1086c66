//! `--colors` through the whole pipeline (random weights, 32 px): a luminance-only
//! transfer comes back with the photo's chroma, and the report says which colours a run
//! used.

use burn::tensor::Device;
use image::{Rgb, Rgb32FImage};
use impasto::transfer::{ColorMatch, Colors};
use impasto::{StyleTransfer, WeightsSource};

mod common;

use common::photo;

/// A painting in colours far from the photo's.
fn painting(side: u32) -> Rgb32FImage {
    Rgb32FImage::from_fn(side, side, |x, y| {
        if ((x / 3) + (y / 2)) % 2 == 0 {
            Rgb([0.9, 0.2, 0.6])
        } else {
            Rgb([0.1, 0.8, 0.3])
        }
    })
}

/// BT.601 Cb, Cr of an RGB pixel in [0, 1].
fn chroma(p: [f32; 3]) -> [f32; 2] {
    let y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    [(p[2] - y) * 0.564, (p[0] - y) * 0.713]
}

fn run(colors: Colors) -> impasto::transfer::TransferOutput {
    StyleTransfer::new(photo(32, 24), vec![painting(32).into()])
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_iterations(3)
        .with_colors(colors)
        .run(&Device::flex(), &mut ())
        .unwrap()
}

#[test]
fn a_luminance_transfer_keeps_the_photos_chroma_and_a_plain_one_does_not() {
    let original = photo(32, 24);
    let far = |output: &impasto::transfer::TransferOutput| {
        let mut errors: Vec<f32> = output
            .image
            .pixels()
            .zip(original.pixels())
            .map(|(r, p)| {
                let r = chroma(r.0.map(|v| f32::from(v) / 255.0));
                let p = chroma(p.0);
                (r[0] - p[0]).abs().max((r[1] - p[1]).abs())
            })
            .collect();
        errors.sort_by(f32::total_cmp);
        errors[errors.len() / 2]
    };
    let luminance = run(Colors::Luminance);
    assert_eq!(luminance.report.config.colors, "luminance");
    assert!(luminance.report.config.original_colors);
    let plain = run(Colors::Style);
    assert_eq!(plain.report.config.colors, "style");
    let (kept, lost) = (far(&luminance), far(&plain));
    // 8-bit rounding moves a chroma by at most ~0.5 / 255 per channel.
    assert!(
        kept <= 0.01,
        "median chroma error {kept} of the luminance run"
    );
    assert!(
        lost > 0.02,
        "the plain run kept the chroma ({lost}): this test proves nothing"
    );
}

#[test]
fn the_report_names_the_histogram_map_unless_it_is_the_default() {
    let default = run(Colors::Histogram(ColorMatch::default()));
    assert_eq!(default.report.config.colors, "histogram");
    assert!(!default.report.config.original_colors);
    let pca = run(Colors::Histogram(ColorMatch::Pca));
    assert_eq!(pca.report.config.colors, "histogram-pca");
}
