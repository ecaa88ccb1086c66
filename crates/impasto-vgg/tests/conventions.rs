//! Input conventions (torchvision, caffe) and architectures: what a file tells of itself,
//! the mismatches refused, and a caffe network giving the features of the same network
//! folded to take torchvision's input.

mod common;

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use impasto_vgg::{
    CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD, InputConvention, VggArchitecture, VggConfig,
    VggError, VggLayer, inspect_weights, portable_rng,
};

/// Writes a safetensors file of f32 tensors `(key, shape, values)` with `metadata`.
fn write_safetensors(
    path: &Path,
    tensors: &[(String, Vec<usize>, Vec<f32>)],
    metadata: &[(&str, &str)],
) {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        let meta: serde_json::Map<_, _> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        header.insert("__metadata__".into(), meta.into());
    }
    let mut data = Vec::new();
    for (key, shape, values) in tensors {
        let start = data.len();
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        header.insert(
            key.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let header = serde_json::to_vec(&serde_json::Value::Object(header)).unwrap();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header);
    file.extend(data);
    std::fs::write(path, file).unwrap();
}

/// conv1_1 and conv1_2 of a network, seeded normal weights and uniform biases.
fn block1(seed: u64) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let rng = |k, n, f: fn(u64, usize) -> Vec<f32>| f(portable_rng::stream(seed, k), n);
    let normal = |s, n| portable_rng::normal(s, n, 0.1);
    let uniform = |s, n| portable_rng::uniform(s, n, -0.5, 0.5);
    vec![
        (
            "features.0.weight".into(),
            vec![64, 3, 3, 3],
            rng(0, 64 * 27, normal),
        ),
        ("features.0.bias".into(), vec![64], rng(1, 64, uniform)),
        (
            "features.2.weight".into(),
            vec![64, 64, 3, 3],
            rng(2, 64 * 576, normal),
        ),
        ("features.2.bias".into(), vec![64], rng(3, 64, uniform)),
    ]
}

fn path(name: &str) -> PathBuf {
    common::temp_path(name)
}

fn config(input: InputConvention) -> VggConfig {
    VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu1_2))
        .with_input(input)
}

#[test]
fn metadata_and_published_names_tell_the_convention_and_mismatches_are_refused() {
    let caffe = path("caffe.safetensors");
    write_safetensors(&caffe, &block1(1), &[("input_convention", "caffe")]);
    let info = inspect_weights(&caffe).unwrap();
    assert_eq!(
        info.input.as_ref().map(|(c, _)| *c),
        Some(InputConvention::Caffe)
    );
    assert_eq!(
        info.architecture, None,
        "block 1 is shared by VGG16 and VGG19"
    );
    let error = config(InputConvention::Torchvision)
        .load(&caffe, &Device::flex())
        .unwrap_err();
    assert!(
        matches!(
            error,
            VggError::InputConventionMismatch {
                found: InputConvention::Caffe,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("--preprocess caffe"), "{error}");
    config(InputConvention::Caffe)
        .load(&caffe, &Device::flex())
        .unwrap();

    // No metadata, an unpublished name: the file cannot tell.
    let plain = path("plain.safetensors");
    write_safetensors(&plain, &block1(1), &[]);
    assert_eq!(inspect_weights(&plain).unwrap().input, None);

    // A published name tells (torch hub's names end in the SHA-256's first digits).
    let published = path("vgg19-d01eb7cb.pth");
    std::fs::copy(common::fixture("block1_zip.pth"), &published).unwrap();
    let info = inspect_weights(&published).unwrap();
    assert_eq!(info.input.map(|(c, _)| c), Some(InputConvention::Caffe));

    let bad = path("bad-meta.safetensors");
    write_safetensors(&bad, &block1(1), &[("input_convention", "bgr")]);
    assert!(matches!(
        inspect_weights(&bad),
        Err(VggError::UnknownInputConvention { .. })
    ));
}

#[test]
fn keys_tell_the_architecture_and_a_mismatch_is_refused() {
    let marker = |index: usize| (format!("features.{index}.weight"), vec![1], vec![0.0]);
    for (index, found, stated) in [
        (17, VggArchitecture::Vgg16, VggArchitecture::Vgg19),
        (16, VggArchitecture::Vgg19, VggArchitecture::Vgg16),
        (34, VggArchitecture::Vgg19, VggArchitecture::Vgg16),
    ] {
        let file = path(&format!("marker{index}.safetensors"));
        let mut tensors = block1(2);
        tensors.push(marker(index));
        write_safetensors(&file, &tensors, &[]);
        assert_eq!(inspect_weights(&file).unwrap().architecture, Some(found));
        let error = config(InputConvention::Torchvision)
            .with_architecture(stated)
            .load(&file, &Device::flex())
            .unwrap_err();
        assert!(
            matches!(error, VggError::ArchitectureMismatch { found: f, stated: s, .. } if f == found && s == stated),
            "{error}"
        );
        assert!(error.to_string().contains(found.name()), "{error}");
    }
    assert_eq!(
        "VGG19".parse::<VggArchitecture>().unwrap(),
        VggArchitecture::Vgg19
    );
    assert!("vgg11".parse::<VggArchitecture>().is_err());
}

/// The caffe network, and the same network with Caffe's preprocessing folded into
/// conv1_1 so that it takes torchvision's input, give the same features away from the
/// border (where the zero padding differs: zero in caffe's input is the mean colour, in
/// torchvision's it is the ImageNet mean, so only the outermost pixels of each layer's
/// receptive field differ).
#[test]
fn a_caffe_file_gives_the_features_of_its_torchvision_folding() {
    let caffe_tensors = block1(3);
    let (w, b) = (&caffe_tensors[0].2, &caffe_tensors[1].2);
    // Caffe's input channel k (BGR) is 255·x_{2−k} − mean_bgr[k]; torchvision's input
    // channel c is (x_c − μ_c)/σ_c, so x_c = σ_c·t_c + μ_c and caffe's channel k =
    // 255σ_{2−k}·t_{2−k} + 255μ_{2−k} − mean_bgr[k].
    let mut folded_w = vec![0f32; w.len()];
    let mut folded_b = b.clone();
    for o in 0..64 {
        for k in 0..3 {
            let c = 2 - k;
            for p in 0..9 {
                let wc = w[(o * 3 + k) * 9 + p];
                folded_w[(o * 3 + c) * 9 + p] = wc * 255.0 * IMAGENET_STD[c];
                folded_b[o] += wc * (255.0 * IMAGENET_MEAN[c] - CAFFE_MEAN_BGR[k]);
            }
        }
    }
    let mut folded_tensors = caffe_tensors.clone();
    folded_tensors[0].2 = folded_w;
    folded_tensors[1].2 = folded_b;
    let (caffe_file, folded_file) = (
        path("net-caffe.safetensors"),
        path("net-folded.safetensors"),
    );
    write_safetensors(&caffe_file, &caffe_tensors, &[]);
    write_safetensors(&folded_file, &folded_tensors, &[]);

    let device = Device::flex();
    let caffe = config(InputConvention::Caffe)
        .load(&caffe_file, &device)
        .unwrap();
    let folded = config(InputConvention::Torchvision)
        .load(&folded_file, &device)
        .unwrap();
    assert_eq!(caffe.input_convention(), InputConvention::Caffe);
    let image = common::test_image(5, 24, &device);
    let layers = [VggLayer::Relu1_1, VggLayer::Relu1_2];
    let a = caffe.features(image.clone(), &layers).unwrap();
    let b = folded.features(image, &layers).unwrap();
    for layer in layers {
        // relu1_k sees k pixels beyond its own through the padding.
        let border = if layer == VggLayer::Relu1_1 { 1 } else { 2 };
        let interior = |t: &Tensor<4>| {
            let [_, _, h, w] = t.dims();
            common::to_vec(
                t.clone()
                    .slice([0..1, 0..64, border..h - border, border..w - border]),
            )
        };
        let (x, y) = (interior(&a[&layer]), interior(&b[&layer]));
        let scale = y.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = x
            .iter()
            .zip(&y)
            .fold(0f32, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            scale > 1.0,
            "{layer}: features too small to compare ({scale})"
        );
        assert!(
            worst <= 1e-4 * scale,
            "{layer}: {worst} against a scale of {scale}"
        );
        // At the border they differ: the test would notice a padding that matched.
        let all_a = common::to_vec(a[&layer].clone());
        let all_b = common::to_vec(b[&layer].clone());
        let edge = all_a
            .iter()
            .zip(&all_b)
            .fold(0f32, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            edge > 1e-3 * scale,
            "{layer}: the border should differ ({edge})"
        );
    }
}

/// The trained network as the Caffe-converted file and as the same network folded to take
/// torchvision's input, with every activation divided by 58
/// (`../shared/tools/trained-vgg16`): the same features up to that factor, away from the
/// border. Skips, saying so, when the files are absent (they are never committed).
#[test]
fn trained_caffe_file_matches_its_folded_torchvision_copy() {
    let dir = std::env::var_os("IMPASTO_DEV_WEIGHTS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/impasto-dev")));
    let Some(dir) = dir.filter(|d| d.join("vgg16-caffe.safetensors").exists()) else {
        println!("skipped: no trained weights (run ../shared/tools/trained-vgg16)");
        return;
    };
    let device = Device::flex();
    let layers = [
        VggLayer::Relu1_1,
        VggLayer::Relu2_1,
        VggLayer::Relu3_1,
        VggLayer::Relu4_1,
        VggLayer::Relu5_1,
    ];
    let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu5_1));
    let caffe = config
        .clone()
        .with_input(InputConvention::Caffe)
        .load(dir.join("vgg16-caffe.safetensors"), &device)
        .unwrap();
    let folded = config
        .load(
            dir.join("vgg16-caffe-torchvision-input.safetensors"),
            &device,
        )
        .unwrap();
    let image = common::test_image(11, 128, &device);
    let a = caffe.features(image.clone(), &layers).unwrap();
    let b = folded.features(image, &layers).unwrap();
    for layer in layers {
        // Ignore the outer eighth of each side, where conv1_1's padding differs.
        let interior = |t: &Tensor<4>| {
            let [_, c, h, w] = t.dims();
            let (bh, bw) = (h / 8, w / 8);
            common::to_vec(t.clone().slice([0..1, 0..c, bh..h - bh, bw..w - bw]))
        };
        let (x, y) = (interior(&a[&layer]), interior(&b[&layer]));
        let norm = y.iter().map(|v| v * v).sum::<f32>().sqrt();
        let diff = x
            .iter()
            .zip(&y)
            .map(|(p, q)| (p / 58.0 - q).powi(2))
            .sum::<f32>()
            .sqrt();
        println!("{layer}: relative difference {:.2e}", diff / norm);
        assert!(
            norm > 0.0 && diff <= 1e-3 * norm,
            "{layer}: {} relative",
            diff / norm
        );
    }
}
