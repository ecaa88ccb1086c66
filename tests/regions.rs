//! Region masks and automatic regions through the whole pipeline (random weights, tiny
//! images): a style stays in its region, the report names the masks, the regions found
//! come back with the result, and bad regions are refused before any work.

use burn::tensor::Device;
use image::{Luma, Rgb, Rgb32FImage};
use impasto::transfer::{ImageInput, StyleRegions, TransferOutput};
use impasto::vgg::VggLayer;
use impasto::{ImpastoError, StyleTransfer, WeightsSource};

mod common;

use common::photo;

/// A loud checkerboard: its style pulls every pixel it reaches far from the photo.
fn painting(side: u32) -> Rgb32FImage {
    Rgb32FImage::from_fn(side, side, |x, y| {
        if ((x / 2) + (y / 2)) % 2 == 0 {
            Rgb([1.0, 0.0, 0.9])
        } else {
            Rgb([0.0, 1.0, 0.0])
        }
    })
}

/// An in-memory mask: white where `inside(x)`, as an RGB image.
fn mask(width: u32, height: u32, inside: impl Fn(u32) -> bool) -> ImageInput {
    let image = Rgb32FImage::from_fn(width, height, |x, _| {
        let v = if inside(x) { 1.0 } else { 0.0 };
        Rgb([v, v, v])
    });
    image.into()
}

/// Style on relu1_1 and relu2_1 only, whose receptive fields (10 px at relu2_1) are
/// narrower than the distance between the mask's edge and the columns measured, so that
/// what the style moves outside the mask is what the content and TV terms let through.
fn transfer() -> StyleTransfer {
    StyleTransfer::new(photo(48, 32), vec![painting(32).into()])
        .with_weights(WeightsSource::Random)
        .with_size(48)
        .with_iterations(8)
        .with_style_layers(vec![VggLayer::Relu1_1, VggLayer::Relu2_1])
        .with_style_strength(1e4)
}

/// The mean absolute difference from the photo over the columns `columns`, per channel
/// value in [0, 1].
fn change(output: &TransferOutput, columns: std::ops::Range<u32>) -> f64 {
    let original = photo(48, 32);
    let (mut sum, mut n) = (0.0, 0);
    for (x, y, p) in output.image.enumerate_pixels() {
        if columns.contains(&x) {
            let q = original.get_pixel(x, y).0;
            for (r, o) in p.0.iter().zip(q) {
                sum += (f64::from(*r) / 255.0 - f64::from(o)).abs();
                n += 1;
            }
        }
    }
    sum / n as f64
}

#[test]
fn a_style_under_a_mask_paints_its_region_and_leaves_the_rest() {
    // The mask is given at another size (24×16): it is resized to the photo's.
    let left = mask(24, 16, |x| x < 12);
    let masked = transfer()
        .with_style_masks(vec![left])
        .run(&Device::flex(), &mut ())
        .unwrap();
    let whole = transfer().run(&Device::flex(), &mut ()).unwrap();
    let (inside, outside) = (change(&masked, 0..20), change(&masked, 32..48));
    let everywhere = change(&whole, 32..48);
    println!(
        "change from the photo: masked {inside:.4} inside, {outside:.4} outside; unmasked \
         {everywhere:.4} on the right"
    );
    assert!(inside > 4.0 * outside, "{inside} inside, {outside} outside");
    assert!(
        everywhere > 4.0 * outside,
        "{everywhere} unmasked, {outside} outside"
    );
    let report = &masked.report.config.styles[0];
    assert_eq!(report.mask.as_deref(), Some("<in-memory 24x16 image>"));
    assert!(whole.report.config.styles[0].mask.is_none());
    assert!(masked.regions.is_empty());
}

#[test]
fn regions_found_come_back_at_the_results_size_and_cover_it() {
    let output = transfer()
        .with_regions(3)
        .run(&Device::flex(), &mut ())
        .unwrap();
    assert_eq!(output.regions.len(), 3);
    for region in &output.regions {
        assert_eq!(region.dimensions(), output.image.dimensions());
    }
    let (width, height) = output.image.dimensions();
    for (x, y) in [(0, 0), (width / 2, height / 2), (width - 1, height - 1)] {
        let sum: f32 = output.regions.iter().map(|r| r.get_pixel(x, y).0[0]).sum();
        assert!(
            (sum - 1.0).abs() < 0.02,
            "the regions sum to {sum} at ({x}, {y})"
        );
    }
    assert_eq!(
        output.report.config.styles[0].mask.as_deref(),
        Some("region 1 of 3")
    );
    // A mask written out and given back is read as the same region.
    let dir = std::env::temp_dir().join(format!("impasto-regions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("region-1.png");
    impasto::image::save_mask(&output.regions[0], &path).unwrap();
    let back = image::open(&path).unwrap().to_luma8();
    let Luma([v]) = *back.get_pixel(width / 2, height / 2);
    let expected = output.regions[0].get_pixel(width / 2, height / 2).0[0];
    assert!((f32::from(v) / 255.0 - expected).abs() <= 0.5 / 255.0 + 1e-6);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_regions_are_refused_before_any_work() {
    let refused = |t: StyleTransfer| match t.validate() {
        Err(ImpastoError::InvalidSetting { reason, .. }) => reason,
        other => panic!("expected an invalid setting, got {other:?}"),
    };
    let white = || mask(8, 8, |_| true);
    assert!(refused(transfer().with_style_masks(vec![white(), white()])).contains("2 masks"));
    assert!(refused(transfer().with_regions(0)).contains("0 regions"));
    let two = StyleTransfer::new(photo(48, 32), vec![painting(8).into(), painting(8).into()]);
    assert!(refused(two.with_regions(1)).contains("2 style images for 1 region;"));
    assert!(matches!(
        transfer().with_style_masks(Vec::new()).style_regions(),
        StyleRegions::Whole
    ));
    // A black mask is found when it is read, still before the optimisation.
    let black = mask(8, 8, |_| false);
    let err = transfer()
        .with_style_masks(vec![black])
        .run(&Device::flex(), &mut ())
        .unwrap_err();
    assert!(err.to_string().contains("covers no pixel"), "{err}");
}

#[test]
fn masks_work_with_blends_style_scale_and_a_schedule() {
    use impasto::transfer::Stage;
    let right = mask(48, 32, |x| x >= 24);
    let left = mask(48, 32, |x| x < 24);
    let output = StyleTransfer::new(
        photo(48, 32),
        vec![painting(32).into(), painting(16).into()],
    )
    .with_weights(WeightsSource::Random)
    .with_stages(vec![Stage::new(32, 2), Stage::new(48, 2)])
    .with_style_scale(0.75)
    .with_style_blend(Some(vec![1.0, 3.0]))
    .with_style_masks(vec![left, right])
    .run(&Device::flex(), &mut ())
    .unwrap();
    let styles = &output.report.config.styles;
    assert_eq!([styles[0].weight, styles[1].weight], [0.25, 0.75]);
    assert!(styles.iter().all(|s| s.mask.is_some()));
    assert_eq!(output.report.config.stages.len(), 2);
    assert_eq!(output.image.dimensions(), (48, 32));
}
