//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use impasto_vgg::portable_rng;

/// `tests/fixtures/vgg/` of the workspace, written by `tests/fixtures/make_fixtures.py`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/vgg")
        .join(name)
}

/// The test image the fixture script builds: uniform pixels from `portable_rng`.
pub fn test_image(seed: u64, size: usize, device: &Device) -> Tensor<4> {
    let pixels = portable_rng::uniform(portable_rng::stream(seed, 0), 3 * size * size, 0.0, 1.0);
    Tensor::from_data(TensorData::new(pixels, [1, 3, size, size]), device)
}

/// A fresh path in the temporary directory, unique to this process and `name`.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("impasto-vgg-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir.join(name)
}

pub fn to_vec(tensor: Tensor<4>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data")
}
