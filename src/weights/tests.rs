use std::ffi::OsString;
use std::path::{Path, PathBuf};

use impasto_vgg::{VggArchitecture, VggConfig, VggError, VggLayer};

use super::location::default_weights_path_from;
use super::*;
use crate::Backend;

/// `[out, in]` of the 7 convolutions VGG16 and VGG19 share (blocks 1 to 3 but VGG19's
/// conv3_4), at features 0, 2, 5, 7, 10, 12, 14 in both.
const SHARED_BLOCKS: [[usize; 2]; 7] = [
    [64, 3],
    [64, 64],
    [128, 64],
    [128, 128],
    [256, 128],
    [256, 256],
    [256, 256],
];

/// A fresh directory in the temporary directory, unique to this process and `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("impasto-weights-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[test]
fn sources_parse_and_display_as_given() {
    for (text, source) in [
        ("random", WeightsSource::Random),
        ("default", WeightsSource::Default),
        ("vgg16.pth", WeightsSource::Path("vgg16.pth".into())),
        (
            "/w/vgg16 copy.safetensors",
            WeightsSource::Path("/w/vgg16 copy.safetensors".into()),
        ),
        ("./random", WeightsSource::Path("./random".into())),
        ("Random", WeightsSource::Path("Random".into())),
    ] {
        assert_eq!(text.parse::<WeightsSource>(), Ok(source.clone()));
        assert_eq!(source.to_string(), text);
    }
    assert!(WeightsSource::Random.is_random());
    assert!(!WeightsSource::Default.is_random());
    assert_eq!(WeightsSource::default(), WeightsSource::Default);
}

#[test]
fn default_path_is_the_env_variable_else_the_cache() {
    let cache = Some(PathBuf::from("/home/u/.cache"));
    let from_env = default_weights_path_from(Some(OsString::from("/w/mine.pth")), cache.clone());
    assert_eq!(from_env.unwrap(), Path::new("/w/mine.pth"));
    let expected = Path::new("/home/u/.cache/impasto/vgg16-397923af.pth");
    assert_eq!(
        default_weights_path_from(None, cache.clone()).unwrap(),
        expected
    );
    // An empty variable counts as unset.
    assert_eq!(
        default_weights_path_from(Some(OsString::new()), cache).unwrap(),
        expected
    );
    let error = default_weights_path_from(None, None).unwrap_err();
    assert!(matches!(
        error,
        ImpastoError::Weights(crate::error::WeightsError::NoCacheDir)
    ));
    assert!(error.to_string().contains("IMPASTO_WEIGHTS"), "{error}");
}

#[test]
fn cache_dir_and_default_file_agree() {
    // Whatever this machine's environment: the default file is in the cache unless
    // IMPASTO_WEIGHTS says otherwise.
    if let (Ok(dir), Ok(path), None) = (
        weights_cache_dir(),
        default_weights_path(),
        std::env::var_os(WEIGHTS_ENV),
    ) {
        assert_eq!(path, dir.join(TORCHVISION_VGG16_FILE));
        assert_eq!(dir.file_name().unwrap(), "impasto");
    }
}

#[test]
fn a_missing_default_file_gives_the_command_that_downloads_it() {
    let path = temp_dir("missing-default").join(TORCHVISION_VGG16_FILE);
    let error = existing(&path, &fetch_hint()).unwrap_err();
    assert!(
        matches!(&error, ImpastoError::Weights(crate::error::WeightsError::NotFound { path: p, .. }) if *p == path)
    );
    assert_eq!(
        error.to_string(),
        format!(
            "no VGG16 weights at {}; run `impasto weights fetch` to download torchvision's \
             vgg16-397923af.pth (528 MB), set IMPASTO_WEIGHTS to a weights file, or pass \
             `--weights random` for an untrained network (demo only)",
            path.display()
        )
    );
}

#[test]
fn a_missing_path_is_named() {
    let path = temp_dir("missing-path").join("nope.pth");
    let source = WeightsSource::Path(path.clone());
    let error = source.resolve().unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with(&format!("no VGG16 weights at {};", path.display())));
    assert!(message.contains("impasto weights fetch"), "{message}");
    let device = Backend::Flex.device().unwrap();
    let error = source.load(&VggConfig::new(), &device).unwrap_err();
    assert!(matches!(
        error,
        ImpastoError::Weights(crate::error::WeightsError::NotFound { .. })
    ));
}

#[test]
fn random_weights_are_seeded_and_need_no_file() {
    let device = Backend::Flex.device().unwrap();
    let config = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu1_1))
        .with_seed(3);
    assert_eq!(WeightsSource::Random.resolve().unwrap(), None);
    let weight = |vgg: &impasto_vgg::Vgg| {
        let conv = vgg.conv(VggLayer::Conv1_1).expect("conv1_1");
        conv.weight.val().into_data().try_to_vec::<f32>().unwrap()
    };
    let a = WeightsSource::Random.load(&config, &device).unwrap();
    let b = WeightsSource::Random.load(&config, &device).unwrap();
    assert_eq!(weight(&a), weight(&b));
    let other = WeightsSource::Random
        .load(&config.clone().with_seed(4), &device)
        .unwrap();
    assert_ne!(weight(&a), weight(&other));
    // An invalid config is an error, not a panic.
    let vgg19_only = VggConfig::new().with_last_layer(Some(VggLayer::Relu3_4));
    let error = WeightsSource::Random
        .load(&vgg19_only, &device)
        .unwrap_err();
    assert!(matches!(
        error,
        ImpastoError::Vgg(VggError::LayerNotInArchitecture { .. })
    ));
}

/// Writes a safetensors file of zero f16 tensors, `features.{i}.weight|bias` for each
/// `(i, [out, in])`.
fn write_safetensors(path: &Path, convs: &[(usize, [usize; 2])]) {
    let mut entries = Vec::new();
    let mut offset = 0;
    for &(index, [out, inp]) in convs {
        for (suffix, shape) in [("weight", vec![out, inp, 3, 3]), ("bias", vec![out])] {
            let len = shape.iter().product::<usize>() * 2;
            entries.push(format!(
                r#""features.{index}.{suffix}":{{"dtype":"F16","shape":{shape:?},"data_offsets":[{offset},{}]}}"#,
                offset + len
            ));
            offset += len;
        }
    }
    let mut header = format!("{{{}}}", entries.join(",")).into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.resize(bytes.len() + offset, 0);
    std::fs::write(path, bytes).expect("write the safetensors file");
}

#[test]
fn vgg19_weights_loaded_as_vgg16_name_the_architecture_and_missing_tensors_their_key() {
    // VGG19's first 8 convolutions, at their indices in VGG19's sequence: the first 7
    // are where VGG16 has them, but VGG16's conv4_1 (features.17) is VGG19's relu3_4,
    // and a convolution at features.16 tells the file is VGG19.
    let path = temp_dir("vgg19").join("vgg19-first-blocks.safetensors");
    let shapes = SHARED_BLOCKS.into_iter().chain([[256, 256]]);
    let convs: Vec<_> = [0, 2, 5, 7, 10, 12, 14, 16]
        .into_iter()
        .zip(shapes)
        .collect();
    write_safetensors(&path, &convs);
    let device = Backend::Flex.device().unwrap();
    let source = WeightsSource::Path(path.clone());

    // As VGG19 its first three blocks load; as VGG16 nothing does, not even the blocks
    // the two share: the file is VGG19 and the error says how to use it.
    let as_vgg19 = VggConfig::new()
        .with_architecture(VggArchitecture::Vgg19)
        .with_last_layer(Some(VggLayer::Relu3_4));
    source
        .load(&as_vgg19, &device)
        .expect("VGG19's first three blocks");
    let up_to_block3 = VggConfig::new().with_last_layer(Some(VggLayer::Relu3_3));
    let error = source.load(&up_to_block3, &device).unwrap_err();
    assert!(
        matches!(
            &error,
            ImpastoError::Vgg(VggError::ArchitectureMismatch {
                stated: VggArchitecture::Vgg16,
                found: VggArchitecture::Vgg19,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("--architecture vgg19"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());

    // A file that cannot tell (the blocks VGG16 and VGG19 share) is read as asked, and a
    // tensor it lacks is named with its layer.
    let path = temp_dir("shared-blocks").join("first-blocks.safetensors");
    write_safetensors(&path, &convs[..7]);
    let source = WeightsSource::Path(path.clone());
    source
        .load(&up_to_block3, &device)
        .expect("VGG16's first three blocks");
    let error = source.load(&VggConfig::new(), &device).unwrap_err();
    assert!(
        matches!(&error, ImpastoError::Vgg(VggError::MissingWeight { key, .. }) if key == "features.17.weight"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "weights file {} has no tensor `features.17.weight` (needed for conv4_1); is it a \
             torchvision VGG16 file?",
            path.display()
        )
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn the_network_is_stated_or_told_by_the_file_and_else_assumed() {
    // VGG16's first 8 convolutions: features.17 tells VGG16; nothing tells the convention.
    let path = temp_dir("choose").join("mine.safetensors");
    let shapes = SHARED_BLOCKS.into_iter().chain([[512, 256]]);
    let convs: Vec<_> = [0, 2, 5, 7, 10, 12, 14, 17]
        .into_iter()
        .zip(shapes)
        .collect();
    write_safetensors(&path, &convs);
    let source = WeightsSource::Path(path.clone());

    let told = source.choose_network(None, None).unwrap();
    assert_eq!(told.architecture, VggArchitecture::Vgg16);
    assert_eq!(told.input, InputConvention::Torchvision);
    assert!(told.input_assumed());
    let stated = source
        .choose_network(None, Some(InputConvention::Caffe))
        .unwrap();
    assert_eq!(
        (stated.input, stated.input_from.to_string().as_str()),
        (InputConvention::Caffe, "stated")
    );
    assert!(!stated.input_assumed());
    let error = source
        .choose_network(Some(VggArchitecture::Vgg19), None)
        .unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Vgg(VggError::ArchitectureMismatch {
                stated: VggArchitecture::Vgg19,
                found: VggArchitecture::Vgg16,
                ..
            })
        ),
        "{error:?}"
    );
    let random = WeightsSource::Random.choose_network(None, None).unwrap();
    assert_eq!(random.input_from, ConventionSource::RandomWeights);
    assert_eq!(random.input_from.to_string(), "random weights");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
