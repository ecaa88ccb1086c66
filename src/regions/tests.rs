use image::{Rgb, Rgb32FImage};

use super::grid::srgb_to_lab;
use super::kmeans::SplitMix64;
use super::*;

type Mask = ImageBuffer<Luma<f32>, Vec<f32>>;

const RED: [f32; 3] = [0.9, 0.1, 0.1];
const BLUE: [f32; 3] = [0.1, 0.2, 0.9];

/// A CHW feature map of `channels` planes whose value at `(c, x, y)` is `f(c, x, y)`.
fn feature_map(
    channels: usize,
    width: usize,
    height: usize,
    f: impl Fn(usize, usize, usize) -> f32,
) -> FeatureMap {
    let mut data = Vec::with_capacity(channels * width * height);
    for c in 0..channels {
        for y in 0..height {
            for x in 0..width {
                data.push(f(c, x, y));
            }
        }
    }
    FeatureMap {
        channels,
        height,
        width,
        data,
    }
}

/// A deterministic value in [0, 1) from three integers, for textures and noise.
fn hash(a: usize, b: usize, c: usize) -> f32 {
    let mut rng = SplitMix64((a as u64) << 40 ^ (b as u64) << 20 ^ c as u64);
    rng.next_f64() as f32
}

/// A photo `red` left of column `split` and `BLUE` right of it, and 6-channel features
/// at a quarter of its size that say the same thing (with a little texture).
fn two_parts(width: u32, height: u32, split: u32) -> (Rgb32FImage, Vec<FeatureMap>) {
    let photo = Rgb32FImage::from_fn(width, height, |x, _| {
        Rgb(if x < split { RED } else { BLUE })
    });
    let (fw, fh) = (width as usize / 4, height as usize / 4);
    let map = feature_map(6, fw, fh, |c, x, y| {
        let left = (x * 4) < split as usize;
        let on = if c % 2 == 0 { left } else { !left };
        if on {
            2.0 + 0.1 * hash(c, x, y)
        } else {
            0.1 * hash(c, x, y)
        }
    });
    (photo, vec![map])
}

/// A busy photo (gradients and noise) and two feature maps of different sizes.
fn busy() -> (Rgb32FImage, Vec<FeatureMap>) {
    let photo = Rgb32FImage::from_fn(80, 60, |x, y| {
        let n = hash(x as usize, y as usize, 7);
        Rgb([x as f32 / 80.0, 0.5 * n + 0.25, y as f32 / 60.0])
    });
    let fine = feature_map(8, 20, 15, |c, x, y| {
        ((x + c) as f32 * 0.3).sin() + hash(c, x, y) + (y as f32 * 0.2).cos()
    });
    let coarse = feature_map(5, 10, 8, |c, x, y| (c * x + y) as f32 * 0.1 + hash(x, y, c));
    (photo, vec![fine, coarse])
}

/// The reason of `result`'s error, which must be an invalid [`Setting::Regions`].
fn reason(result: Result<Vec<Mask>, ImpastoError>) -> String {
    match result {
        Err(ImpastoError::InvalidSetting {
            setting: Setting::Regions,
            reason,
        }) => reason,
        Err(error) => panic!("expected an invalid regions setting, got {error}"),
        Ok(masks) => panic!("expected an error, got {} masks", masks.len()),
    }
}

fn area(mask: &Mask) -> f64 {
    mask.pixels().map(|p| p.0[0] as f64).sum()
}

fn assert_partition(masks: &[Mask], width: u32, height: u32) {
    for mask in masks {
        assert_eq!(mask.dimensions(), (width, height));
        assert!(
            mask.pixels().all(|p| (0.0..=1.0).contains(&p.0[0])),
            "mask values in [0, 1]"
        );
    }
    for y in 0..height {
        for x in 0..width {
            let sum: f32 = masks.iter().map(|m| m.get_pixel(x, y).0[0]).sum();
            assert!(
                (sum - 1.0).abs() <= 1e-5,
                "masks sum to {sum} at ({x}, {y})"
            );
        }
    }
    for pair in masks.windows(2) {
        assert!(
            area(&pair[0]) >= area(&pair[1]),
            "ordered by area, largest first"
        );
    }
}

/// Whether `mask` exceeds 0.9 at every pixel of columns `columns`.
fn covers(mask: &Mask, columns: std::ops::Range<u32>) -> bool {
    columns
        .into_iter()
        .all(|x| (0..mask.height()).all(|y| mask.get_pixel(x, y).0[0] > 0.9))
}

#[test]
fn red_and_blue_halves_split_at_the_middle() {
    let (photo, features) = two_parts(64, 48, 32);
    let masks = find_regions(&photo, &features, 2, &RegionSettings::default()).unwrap();
    assert_eq!(masks.len(), 2);
    assert_partition(&masks, 64, 48);
    let (left, right) = if masks[0].get_pixel(0, 0).0[0] > 0.5 {
        (0, 1)
    } else {
        (1, 0)
    };
    assert!(
        covers(&masks[left], 0..26),
        "the left mask holds the left half"
    );
    assert!(
        covers(&masks[right], 38..64),
        "the right mask holds the right half"
    );
}

#[test]
fn masks_are_a_partition_in_0_1_on_a_busy_photo() {
    let (photo, features) = busy();
    for count in [2, 3, 5] {
        let masks = find_regions(&photo, &features, count, &RegionSettings::default()).unwrap();
        assert_eq!(masks.len(), count);
        assert_partition(&masks, 80, 60);
    }
    // A wide blur keeps them a partition.
    let settings = RegionSettings {
        smoothing: 0.2,
        ..RegionSettings::default()
    };
    let masks = find_regions(&photo, &features, 4, &settings).unwrap();
    assert_partition(&masks, 80, 60);
}

#[test]
fn the_larger_region_comes_first() {
    let (photo, features) = two_parts(64, 32, 48); // red on the left three quarters
    let masks = find_regions(&photo, &features, 2, &RegionSettings::default()).unwrap();
    assert_partition(&masks, 64, 32);
    assert!(
        covers(&masks[0], 0..42),
        "the first mask is the red three quarters"
    );
    assert!(covers(&masks[1], 54..64), "the second is the blue quarter");
    assert!(area(&masks[0]) > 2.5 * area(&masks[1]));
}

#[test]
fn the_same_input_gives_the_same_masks() {
    let (photo, features) = busy();
    let settings = RegionSettings {
        seed: 42,
        ..RegionSettings::default()
    };
    let a = find_regions(&photo, &features, 5, &settings).unwrap();
    let b = find_regions(&photo, &features, 5, &settings).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (photo, features) = two_parts(64, 48, 32);
    let settings = RegionSettings::default();
    assert_eq!(
        reason(find_regions(&photo, &features, 0, &settings)),
        "0 regions were asked for; ask for at least 1"
    );

    // 16 × 12 feature positions.
    assert!(find_regions(&photo, &features, 192, &settings).is_ok());
    assert_eq!(
        reason(find_regions(&photo, &features, 193, &settings)),
        "193 regions were asked for but the working grid has only 192 positions; \
         ask for fewer regions or pass larger feature maps"
    );

    let mut short = features.clone();
    short[0].data.pop();
    assert_eq!(
        reason(find_regions(&photo, &short, 2, &settings)),
        "feature map 0 has 1151 values but its shape needs 1152; \
         pass the whole activation in CHW order"
    );
    let mut empty = features.clone();
    empty[0].channels = 0;
    assert_eq!(
        reason(find_regions(&photo, &empty, 2, &settings)),
        "feature map 0 is 0×12×16; every dimension must be at least 1"
    );
    let mut nan = features.clone();
    nan[0].data[5] = f32::NAN;
    assert_eq!(
        reason(find_regions(&photo, &nan, 2, &settings)),
        "feature map 0 holds a NaN or infinite value; check the network that computed it"
    );
    assert_eq!(
        reason(find_regions(&photo, &[], 2, &settings)),
        "no feature maps were given; pass at least one activation of the photo, \
         or set the feature weight to 0"
    );

    for bad in [f64::NAN, f64::INFINITY, -0.5] {
        let settings = RegionSettings {
            colour: bad,
            ..RegionSettings::default()
        };
        assert_eq!(
            reason(find_regions(&photo, &features, 2, &settings)),
            format!("setting `colour` is {bad}; it must be finite and at least 0")
        );
    }
    let settings = RegionSettings {
        smoothing: -1.0,
        ..RegionSettings::default()
    };
    assert_eq!(
        reason(find_regions(&photo, &features, 2, &settings)),
        "setting `smoothing` is -1; it must be finite and at least 0"
    );
    let none = RegionSettings {
        features: 0.0,
        colour: 0.0,
        position: 0.0,
        ..RegionSettings::default()
    };
    assert_eq!(
        reason(find_regions(&photo, &features, 2, &none)),
        "the features, colour and position weights are all 0; \
         give at least one a positive weight"
    );
    let blank = Rgb32FImage::new(0, 5);
    assert_eq!(
        reason(find_regions(&blank, &features, 2, &settings)),
        "the photo has no pixels; pass a non-empty photo"
    );
    // Every message says what to do, after the setting it is about.
    let message = find_regions(&photo, &features, 193, &RegionSettings::default())
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("invalid regions: "), "{message}");
    assert!(message.contains("fewer regions"), "{message}");
}

#[test]
fn one_region_is_all_ones() {
    let (photo, features) = busy();
    let masks = find_regions(&photo, &features, 1, &RegionSettings::default()).unwrap();
    assert_eq!(masks.len(), 1);
    assert_eq!(masks[0].dimensions(), (80, 60));
    assert!(masks[0].pixels().all(|p| p.0[0] == 1.0));
}

#[test]
fn colour_alone_splits_without_features() {
    let (photo, _) = two_parts(64, 48, 32);
    let settings = RegionSettings {
        features: 0.0,
        position: 0.0,
        ..RegionSettings::default()
    };
    // No features: the grid is the photo's own (64 × 48 here).
    let masks = find_regions(&photo, &[], 2, &settings).unwrap();
    assert_partition(&masks, 64, 48);
    let (left, right) = if masks[0].get_pixel(0, 0).0[0] > 0.5 {
        (0, 1)
    } else {
        (1, 0)
    };
    assert!(covers(&masks[left], 0..30) && covers(&masks[right], 34..64));
    assert!(
        reason(find_regions(&photo, &[], 64 * 48 + 1, &settings))
            .contains("the working grid has only 3072 positions")
    );
}

#[test]
fn features_alone_and_position_alone_work() {
    let (photo, features) = two_parts(64, 48, 32);
    let only_features = RegionSettings {
        colour: 0.0,
        position: 0.0,
        ..RegionSettings::default()
    };
    let masks = find_regions(&photo, &features, 2, &only_features).unwrap();
    let left = if masks[0].get_pixel(0, 0).0[0] > 0.5 {
        0
    } else {
        1
    };
    assert!(covers(&masks[left], 0..26));

    // A uniform photo and flat features: position alone cuts it into compact parts.
    let flat = Rgb32FImage::from_pixel(64, 32, Rgb([0.5, 0.5, 0.5]));
    let constant = vec![feature_map(3, 16, 8, |_, _, _| 1.0)];
    let only_position = RegionSettings {
        features: 0.0,
        colour: 0.0,
        position: 1.0,
        ..RegionSettings::default()
    };
    let masks = find_regions(&flat, &constant, 2, &only_position).unwrap();
    assert_partition(&masks, 64, 32);
    assert!(
        masks.iter().all(|m| area(m) > 0.3 * 64.0 * 32.0),
        "two halves, about"
    );
}

#[test]
fn an_isolated_speck_joins_its_surroundings() {
    // One blue grid cell (4 × 4 pixels) inside the red half.
    let photo = Rgb32FImage::from_fn(64, 48, |x, y| {
        let speck = (12..16).contains(&x) && (20..24).contains(&y);
        Rgb(if x < 32 && !speck { RED } else { BLUE })
    });
    let settings = RegionSettings {
        features: 0.0,
        position: 0.0,
        smoothing: 0.0,
        ..RegionSettings::default()
    };
    let features = vec![feature_map(1, 16, 12, |_, _, _| 0.0)];
    let masks = find_regions(&photo, &features, 2, &settings).unwrap();
    let red = if masks[0].get_pixel(0, 0).0[0] > 0.5 {
        &masks[0]
    } else {
        &masks[1]
    };
    assert!(red.get_pixel(13, 21).0[0] > 0.9, "the speck is red's");
}

#[test]
fn a_uniform_photo_with_more_regions_than_parts_still_partitions() {
    let flat = Rgb32FImage::from_pixel(40, 30, Rgb([0.3, 0.6, 0.2]));
    let constant = vec![feature_map(4, 10, 8, |c, _, _| c as f32)];
    let settings = RegionSettings {
        position: 0.0,
        ..RegionSettings::default()
    };
    let masks = find_regions(&flat, &constant, 3, &settings).unwrap();
    assert_eq!(masks.len(), 3);
    assert_partition(&masks, 40, 30);
}

#[test]
fn lab_of_known_colours() {
    let close = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 0.2);
    assert!(close(srgb_to_lab([1.0, 1.0, 1.0]), [100.0, 0.0, 0.0]));
    assert!(close(srgb_to_lab([0.0, 0.0, 0.0]), [0.0, 0.0, 0.0]));
    // sRGB red, as colour references give it: L 53.24, a 80.09, b 67.20.
    let red = srgb_to_lab([1.0, 0.0, 0.0]);
    assert!(close(red, [53.24, 80.09, 67.20]), "{red:?}");
}
