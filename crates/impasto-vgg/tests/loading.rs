//! Loading torchvision-format weights: every format, every dtype, every failure.
//! The files are written by `tests/fixtures/make_fixtures.py` or, for damaged copies,
//! by the tests themselves.

mod common;

use std::path::Path;

use burn::tensor::Device;
use impasto_vgg::{VggArchitecture, VggConfig, VggError, VggLayer, portable_rng};

/// What the fixture script stored for conv1_1 and conv1_2 (weight ~ N(0, 0.1²), bias ~ U(−½, ½)).
fn expected_block1(conv: usize) -> (Vec<f32>, Vec<f32>) {
    const WEIGHT_SEED: u64 = 2024;
    let inputs = [3, 64][conv];
    let weight = portable_rng::normal(
        portable_rng::stream(WEIGHT_SEED, 2 * conv as u64),
        64 * inputs * 9,
        0.1,
    );
    let bias = portable_rng::uniform(
        portable_rng::stream(WEIGHT_SEED, 2 * conv as u64 + 1),
        64,
        -0.5,
        0.5,
    );
    (weight, bias)
}

fn block1_config() -> VggConfig {
    VggConfig::new().with_last_layer(Some(VggLayer::Relu1_2))
}

fn loaded_weights(path: &Path, layer: VggLayer, config: &VggConfig) -> (Vec<f32>, Vec<f32>) {
    let vgg = config
        .load(path, &Device::flex())
        .unwrap_or_else(|e| panic!("{e}"));
    let conv = vgg.conv(layer).expect("a conv layer");
    let bias = conv
        .bias
        .as_ref()
        .expect("VGG convolutions have biases")
        .val();
    (
        common::to_vec(conv.weight.val()),
        bias.into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap(),
    )
}

#[test]
fn reads_legacy_zip_and_safetensors_files_exactly() {
    for file in ["block1_legacy.pth", "block1_zip.pth", "block1.safetensors"] {
        for (conv, layer) in [(0, VggLayer::Conv1_1), (1, VggLayer::Conv1_2)] {
            let loaded = loaded_weights(&common::fixture(file), layer, &block1_config());
            assert_eq!(loaded, expected_block1(conv), "{file} {layer}");
        }
    }
}

#[test]
fn converts_half_and_double_precision_to_f32() {
    let (weight, bias) = expected_block1(0);
    let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu1_1));
    // f16 keeps 11 significant bits, bf16 8, f64 all of f32's.
    for (name, tolerance) in [("f16", 1e-3), ("bf16", 8e-3), ("f64", 0.0)] {
        for file in [
            format!("conv1_1_{name}.safetensors"),
            format!("conv1_1_{name}_legacy.pth"),
        ] {
            let (w, b) = loaded_weights(&common::fixture(&file), VggLayer::Conv1_1, &config);
            for (got, want) in w.iter().zip(&weight).chain(b.iter().zip(&bias)) {
                assert!(
                    (got - want).abs() <= tolerance * want.abs(),
                    "{file}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn only_layers_up_to_the_last_one_are_required() {
    // The file holds block 1 only: enough for relu1_2, not for relu2_1.
    let file = common::fixture("block1_zip.pth");
    assert!(block1_config().load(&file, &Device::flex()).is_ok());
    let deeper = VggConfig::new().with_last_layer(Some(VggLayer::Relu2_1));
    let error = deeper.load(&file, &Device::flex()).unwrap_err();
    assert!(
        matches!(&error, VggError::MissingWeight { key, layer: VggLayer::Conv2_1, .. } if key == "features.5.weight"),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("block1_zip.pth") && message.contains("features.5.weight"),
        "{message}"
    );
}

#[test]
fn vgg19_keys_follow_its_own_sequence() {
    // conv1_1/conv1_2 sit at features.0/.2 in both architectures; the first key that
    // differs is conv3_4 (features.16 in VGG19), beyond this fixture.
    let config = block1_config().with_architecture(VggArchitecture::Vgg19);
    let loaded = loaded_weights(
        &common::fixture("block1.safetensors"),
        VggLayer::Conv1_2,
        &config,
    );
    assert_eq!(loaded, expected_block1(1));
    let layers = VggArchitecture::Vgg19.layers();
    assert_eq!(
        layers.iter().position(|&l| l == VggLayer::Conv3_4),
        Some(16)
    );
    let layers = VggArchitecture::Vgg16.layers();
    assert_eq!(
        layers.iter().position(|&l| l == VggLayer::Conv5_3),
        Some(28)
    );
}

fn load_error(path: &Path) -> VggError {
    let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu1_1));
    match config.load(path, &Device::flex()) {
        Ok(_) => panic!("{} should not load", path.display()),
        Err(error) => error,
    }
}

#[test]
fn missing_key_wrong_shape_and_wrong_dtype_name_the_key() {
    let error = load_error(&common::fixture("conv1_1_missing_bias.pth"));
    assert!(
        matches!(&error, VggError::MissingWeight { key, .. } if key == "features.0.bias"),
        "{error}"
    );

    let error = load_error(&common::fixture("conv1_1_wrong_shape.safetensors"));
    assert!(
        matches!(&error, VggError::WeightShape { key, found, expected, .. }
            if key == "features.0.weight" && found == &[64, 3, 5, 5] && expected == &[64, 3, 3, 3]),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("conv1_1_wrong_shape.safetensors"),
        "{error}"
    );

    let error = load_error(&common::fixture("conv1_1_int64.pth"));
    assert!(
        matches!(&error, VggError::WeightDType { key, .. } if key == "features.0.weight"),
        "{error}"
    );
}

#[test]
fn truncated_files_are_format_errors() {
    for file in ["block1_legacy.pth", "block1_zip.pth", "block1.safetensors"] {
        let bytes = std::fs::read(common::fixture(file)).unwrap();
        for fraction in [0.9, 0.5, 0.01] {
            let cut = common::temp_path(&format!("truncated-{fraction}-{file}"));
            std::fs::write(&cut, &bytes[..(bytes.len() as f64 * fraction) as usize]).unwrap();
            let error = load_error(&cut);
            assert!(
                matches!(error, VggError::WeightsFormat { .. }),
                "{file} at {fraction}: {error}"
            );
            assert!(
                error.to_string().contains("truncated-"),
                "names the file: {error}"
            );
        }
    }
}

#[test]
fn files_that_are_not_weights_are_format_errors() {
    for (name, contents) in [
        ("empty.pth", &b""[..]),
        (
            "text.pth",
            b"these are not the weights you are looking for\n",
        ),
        ("image.safetensors", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    ] {
        let path = common::temp_path(name);
        std::fs::write(&path, contents).unwrap();
        let error = load_error(&path);
        assert!(
            matches!(error, VggError::WeightsFormat { .. }),
            "{name}: {error}"
        );
    }
}

#[test]
fn unreadable_paths_are_io_errors() {
    let missing = common::temp_path("does-not-exist.pth");
    assert!(matches!(load_error(&missing), VggError::WeightsIo { .. }));
    let directory = common::temp_path("a-directory.pth");
    std::fs::create_dir_all(&directory).unwrap();
    let error = load_error(&directory);
    assert!(matches!(error, VggError::WeightsIo { .. }), "{error}");
}
