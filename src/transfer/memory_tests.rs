//! The memory model's budget logic.

use impasto_vgg::{VggArchitecture, VggLayer};

use super::*;

const GIB_BYTES: u64 = 1 << 30;

fn vgg16() -> NetworkShape {
    NetworkShape::new(
        VggArchitecture::Vgg16,
        &[VggLayer::Relu1_1, VggLayer::Relu4_2, VggLayer::Relu5_1],
    )
}

#[test]
fn vgg16_to_relu5_1_keeps_266_activations_per_pixel_with_a_halo_of_64() {
    let network = vgg16();
    assert_eq!(network.activations_per_pixel, 266.0);
    assert_eq!((network.halo, network.align), (64, 4));
    // VGG19 has a fourth convolution in blocks 3 and 4.
    let vgg19 = NetworkShape::new(VggArchitecture::Vgg19, &[VggLayer::Relu5_1]);
    assert_eq!(
        vgg19.activations_per_pixel,
        266.0 + 256.0 / 16.0 + 512.0 / 64.0
    );
}

#[test]
fn a_short_stage_holds_no_more_pairs_than_its_iterations() {
    let network = vgg16();
    let peak = |iterations| {
        fit_stage([1024, 768], (&network, iterations), Some(10), None)
            .unwrap()
            .predicted_peak_bytes
    };
    assert!(peak(3) < peak(10));
    assert_eq!(peak(10), peak(500));
}

#[test]
fn without_a_budget_or_within_it_a_stage_runs_whole() {
    let network = vgg16();
    let free = fit_stage([1024, 768], (&network, 100), Some(10), None).unwrap();
    assert_eq!((free.tiles.clone(), free.history), (None, Some(10)));
    let within = fit_stage([1024, 768], (&network, 100), Some(10), Some(8 * GIB_BYTES)).unwrap();
    assert_eq!(within, free);
    assert!(free.predicted_peak_bytes < 8 * GIB_BYTES);
}

#[test]
fn a_large_picture_is_tiled_to_fit_and_keeps_its_history() {
    let network = vgg16();
    let budget = 12 * GIB_BYTES;
    let stage = fit_stage([4096, 3072], (&network, 100), Some(10), Some(budget)).unwrap();
    let tiles = stage.tiles.clone().expect("tiled");
    assert!(stage.predicted_peak_bytes <= budget);
    assert_eq!(stage.history, Some(10));
    assert_eq!((tiles.halo, tiles.core % 16), (64, 0));
    assert!(tiles.core >= MIN_TILE_CORE && tiles.count >= 4, "{tiles:?}");
    // No core gives the network fewer pixels than the one chosen.
    let total = |core: usize| {
        let cuts = |extent: usize| {
            (0..extent.div_ceil(core))
                .map(|i| ((i + 1) * core + 64).min(extent) - (i * core).saturating_sub(64))
                .collect::<Vec<_>>()
        };
        let (rows, columns) = (cuts(3072), cuts(4096));
        rows.iter()
            .map(|r| columns.iter().map(|c| r * c).sum::<usize>())
            .sum::<usize>()
    };
    assert_eq!(total(tiles.core), tiles.input_pixels);
    for core in (tiles.core / 2..=tiles.core).step_by(16) {
        assert!(total(core) >= tiles.input_pixels, "{core}");
    }
}

#[test]
fn a_tight_budget_shortens_the_history_before_it_refuses() {
    let network = vgg16();
    // Between what the smallest tiles need with m = 10 and with m = 3, the history gives
    // way and the tiles stay.
    let size = [4096, 3072];
    let [longest, shortest] =
        [10, MIN_HISTORY].map(|m| least_tiled_peak((&network, 100), size, Some(m)));
    let budget = ((longest + shortest) / 2.0) as u64;
    let stage = fit_stage([4096, 3072], (&network, 100), Some(10), Some(budget)).unwrap();
    let m = stage.history.unwrap();
    assert!((MIN_HISTORY..10).contains(&m), "{m}");
    assert!(stage.tiles.is_some() && stage.predicted_peak_bytes <= budget);
    // Another optimizer has no history to give.
    assert!(fit_stage([4096, 3072], (&network, 100), None, Some(budget)).is_ok());
    // 1 GiB cannot hold a 4096-px picture's optimizer state at all.
    let error = fit_stage([4096, 3072], (&network, 100), Some(10), Some(GIB_BYTES)).unwrap_err();
    let ImpastoError::MemoryBudget {
        image_size,
        needed,
        budget,
    } = error
    else {
        panic!("{error}");
    };
    assert_eq!((image_size, budget), ([4096, 3072], GIB_BYTES));
    assert!(needed > budget);
    let sentence = fit_stage([4096, 3072], (&network, 100), Some(10), Some(GIB_BYTES))
        .unwrap_err()
        .to_string();
    assert!(
        sentence.contains("4096x3072") && sentence.contains("1.0 GiB"),
        "{sentence}"
    );
}

#[test]
fn sizes_are_read_as_people_write_them() {
    assert_eq!(parse_bytes("8G"), Ok(8 * GIB_BYTES));
    assert_eq!(parse_bytes("8gib"), Ok(8 * GIB_BYTES));
    assert_eq!(parse_bytes(" 8 GB "), Ok(8 * GIB_BYTES));
    assert_eq!(parse_bytes("512M"), Ok(512 << 20));
    assert_eq!(parse_bytes("1.5G"), Ok(3 * GIB_BYTES / 2));
    assert_eq!(parse_bytes("4096"), Ok(4096));
    assert_eq!(parse_bytes("2T"), Ok(2 << 40));
    for bad in [
        "",
        "G",
        "0",
        "0G",
        "-1G",
        "8X",
        "8 GiBs",
        "1e400",
        "nan",
        "8..5G",
        "99999999999T",
    ] {
        let error = parse_bytes(bad).unwrap_err();
        assert!(
            error.ends_with(|c: char| c.is_alphanumeric() || c == ')'),
            "{bad}: {error}"
        );
    }
    assert_eq!(format_bytes(8 * GIB_BYTES), "8.0 GiB");
    assert_eq!(format_bytes(300 << 20), "300 MiB");
}
