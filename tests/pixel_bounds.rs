//! The pixels stay in [0, 1] when the run says so: every iterate of a `Box` or `Sigmoid`
//! run is inside, where the same unconstrained run leaves it (random weights, 32 px).

use burn::tensor::Device;
use image::{Rgb, Rgb32FImage};
use impasto::optim::{AdamConfig, Control};
use impasto::transfer::{Init, OptimizerConfig, PixelBounds, Progress};
use impasto::{StyleTransfer, WeightsSource};

mod common;

use common::photo;

/// A saturated "painting": pure colours at the ends of the range, which the style term
/// pulls the pixels towards (and, unconstrained, past).
fn saturated(side: u32) -> Rgb32FImage {
    Rgb32FImage::from_fn(side, side, |x, y| {
        if ((x / 3) + (y / 3)) % 2 == 0 {
            Rgb([1.0, 1.0, 0.0])
        } else {
            Rgb([0.0, 0.0, 1.0])
        }
    })
}

/// The lowest and highest pixel value of every iterate a run visits, and its report's
/// `bounds`.
fn range(bounds: PixelBounds, optimizer: Option<OptimizerConfig>) -> ((f32, f32), String) {
    let mut transfer = StyleTransfer::new(photo(32, 28), vec![saturated(32).into()])
        .with_weights(WeightsSource::Random)
        .with_size(32)
        .with_init(Init::Noise)
        .with_style_strength(1000.0)
        .with_iterations(10)
        .with_pixel_bounds(bounds);
    if let Some(optimizer) = optimizer {
        transfer = transfer.with_optimizer(optimizer);
    }
    let (mut low, mut high) = (f32::INFINITY, f32::NEG_INFINITY);
    let mut observer = |p: &Progress| {
        for v in p.pixels().pixels().flat_map(|p| p.0) {
            low = low.min(v);
            high = high.max(v);
        }
        Control::Continue
    };
    let output = transfer.run(&Device::flex(), &mut observer).unwrap();
    ((low, high), output.report.config.bounds)
}

#[test]
fn box_and_sigmoid_keep_every_iterate_in_range_where_the_unconstrained_run_leaves_it() {
    let ((low, high), name) = range(PixelBounds::None, None);
    assert_eq!(name, "none");
    assert!(
        low < 0.0 || high > 1.0,
        "the unconstrained run stayed in [{low}, {high}]: this test would prove nothing"
    );
    for bounds in [PixelBounds::Box, PixelBounds::Sigmoid] {
        let ((low, high), name) = range(bounds, None);
        assert_eq!(name, bounds.name());
        assert!(low >= 0.0 && high <= 1.0, "{bounds}: [{low}, {high}]");
    }
}

#[test]
fn adam_projects_each_step_into_the_box() {
    let adam = || OptimizerConfig::Adam(AdamConfig::default().with_learning_rate(0.2).unwrap());
    let ((low, high), _) = range(PixelBounds::None, Some(adam()));
    assert!(
        low < 0.0 || high > 1.0,
        "Adam stayed in [{low}, {high}] unconstrained"
    );
    let ((low, high), _) = range(PixelBounds::Box, Some(adam()));
    assert!(low >= 0.0 && high <= 1.0, "[{low}, {high}]");
}

#[test]
fn the_names_parse_back() {
    for bounds in PixelBounds::ALL {
        assert_eq!(bounds.name().parse::<PixelBounds>(), Ok(bounds));
    }
    assert!("clamp".parse::<PixelBounds>().is_err());
    assert_eq!(PixelBounds::default(), PixelBounds::Box);
}
