//! Architecture, pooling and the network's configuration.

use core::fmt;

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::{Device, Tensor, TensorData};

use crate::portable_rng;
use crate::{InputConvention, LayerKind, Vgg, VggError, VggLayer};

/// Which VGG network (Simonyan & Zisserman, 2014): 13 or 16 convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VggArchitecture {
    /// VGG16 (configuration D): 2, 2, 3, 3, 3 convolutions per block. The paper's network
    /// in impasto's defaults and torchvision's `vgg16-397923af.pth`.
    #[default]
    Vgg16,
    /// VGG19 (configuration E): 2, 2, 4, 4, 4 convolutions per block, the network of
    /// Gatys et al.; torchvision's `vgg19-dcbb9e9d.pth`.
    Vgg19,
}

impl VggArchitecture {
    /// Convolutions in each of the five blocks.
    pub const fn convs_per_block(self) -> [usize; 5] {
        match self {
            VggArchitecture::Vgg16 => [2, 2, 3, 3, 3],
            VggArchitecture::Vgg19 => [2, 2, 4, 4, 4],
        }
    }

    /// Every layer of the architecture, in order. A layer's position in this list is its
    /// index in torchvision's `features` sequence, hence its key `features.{i}.weight`.
    pub fn layers(self) -> Vec<VggLayer> {
        VggLayer::ALL
            .into_iter()
            .filter(|layer| layer.is_in(self))
            .collect()
    }
}

impl VggArchitecture {
    /// Both architectures.
    pub const ALL: [VggArchitecture; 2] = [VggArchitecture::Vgg16, VggArchitecture::Vgg19];

    /// Its name on the command line: `vgg16` or `vgg19`.
    pub const fn name(self) -> &'static str {
        match self {
            VggArchitecture::Vgg16 => "vgg16",
            VggArchitecture::Vgg19 => "vgg19",
        }
    }
}

impl core::str::FromStr for VggArchitecture {
    type Err = VggError;

    /// `vgg16` or `vgg19` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VggArchitecture::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| VggError::UnknownArchitecture {
                name: s.to_string(),
            })
    }
}

impl fmt::Display for VggArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VggArchitecture::Vgg16 => "VGG16",
            VggArchitecture::Vgg19 => "VGG19",
        })
    }
}

/// The pooling between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Pooling {
    /// 2×2 max pooling, as trained.
    #[default]
    Max,
    /// 2×2 average pooling, which Gatys et al. found gives slightly more appealing
    /// results. The weights are the same; only the pooling changes.
    Avg,
}

macro_rules! serde_as_debug_name {
    ($ty:ty, $($variant:ident),+) => {
        impl burn::serde::Serialize for $ty {
            fn serialize<S: burn::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(match self { $(Self::$variant => stringify!($variant)),+ })
            }
        }

        impl<'de> burn::serde::Deserialize<'de> for $ty {
            fn deserialize<D: burn::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                match name.as_str() {
                    $(stringify!($variant) => Ok(Self::$variant),)+
                    other => Err(burn::serde::de::Error::custom(format!(
                        "unknown {} `{other}`", stringify!($ty)
                    ))),
                }
            }
        }
    };
}
serde_as_debug_name!(VggArchitecture, Vgg16, Vgg19);
serde_as_debug_name!(Pooling, Max, Avg);
serde_as_debug_name!(InputConvention, Torchvision, Caffe);

/// Configuration of a [`Vgg`] feature extractor.
///
/// [`init`](VggConfig::init) gives a network with *random weights* (seeded; for tests and
/// demos: its features are not those of a trained network). [`load`](VggConfig::load)
/// reads torchvision's trained weights from a file.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_vgg::{VggConfig, VggLayer};
///
/// let device = Device::flex();
/// // Random weights, built only up to relu2_1.
/// let vgg = VggConfig::new().with_last_layer(Some(VggLayer::Relu2_1)).init(&device);
/// let image = Tensor::<4>::ones([1, 3, 8, 8], &device).mul_scalar(0.5);
/// let features = vgg.features(image, &[VggLayer::Relu1_1, VggLayer::Relu2_1])?;
/// assert_eq!(features[&VggLayer::Relu2_1].dims(), [1, 128, 4, 4]);
/// # Ok::<(), impasto_vgg::VggError>(())
/// ```
#[derive(Config, Debug)]
pub struct VggConfig {
    /// VGG16 or VGG19. Default: [`VggArchitecture::Vgg16`].
    #[config(default = "VggArchitecture::Vgg16")]
    pub architecture: VggArchitecture,
    /// Max or average pooling. Default: [`Pooling::Max`].
    #[config(default = "Pooling::Max")]
    pub pooling: Pooling,
    /// The input the weights expect: torchvision's normalisation or Caffe's BGR 0–255
    /// minus the means (see [`InputConvention`]). Default:
    /// [`InputConvention::Torchvision`]. [`load`](VggConfig::load) refuses a file known to
    /// expect the other one.
    #[config(default = "InputConvention::Torchvision")]
    pub input: InputConvention,
    /// The deepest layer the network is built with; nothing past it is allocated or, when
    /// loading, required in the weights file. `None` (the default) keeps the whole feature
    /// stack, up to `pool5`. Must exist in the architecture.
    #[config(default = "None")]
    pub last_layer: Option<VggLayer>,
    /// Seed of the random weights of [`init`](VggConfig::init). Default: 0. Any value;
    /// the same seed gives the same weights on every backend.
    #[config(default = 0)]
    pub seed: u64,
}

impl VggConfig {
    /// The layers of the network this config builds, in order, ending at
    /// [`last_layer`](Self::last_layer).
    ///
    /// # Errors
    /// [`VggError::LayerNotInArchitecture`] if `last_layer` is not in the architecture.
    pub fn layers(&self) -> Result<Vec<VggLayer>, VggError> {
        let mut layers = self.architecture.layers();
        if let Some(last) = self.last_layer {
            if !last.is_in(self.architecture) {
                return Err(VggError::LayerNotInArchitecture {
                    layer: last,
                    architecture: self.architecture,
                });
            }
            layers.retain(|&layer| layer <= last);
        }
        Ok(layers)
    }

    /// A network with **random weights**: torchvision's initialisation of VGG
    /// (`kaiming_normal_(mode="fan_out", nonlinearity="relu")`, i.e. N(0, 2 / (9·C_out)),
    /// biases 0), drawn from [`portable_rng`] with [`seed`](Self::seed): convolution k
    /// (0-based, network order) uses stream `portable_rng::stream(seed, k)`.
    ///
    /// The weights never receive gradients (see [`Vgg`]).
    ///
    /// # Panics
    /// If [`last_layer`](Self::last_layer) is not a layer of the architecture; use
    /// [`try_init`](Self::try_init) to get an error instead.
    pub fn init(&self, device: &Device) -> Vgg {
        self.try_init(device)
            .unwrap_or_else(|error| panic!("invalid VggConfig: {error}"))
    }

    /// [`init`](Self::init), with an error instead of a panic for an invalid config.
    ///
    /// # Errors
    /// [`VggError::LayerNotInArchitecture`] if `last_layer` is not in the architecture.
    pub fn try_init(&self, device: &Device) -> Result<Vgg, VggError> {
        let layers = self.layers()?;
        let convs = conv_shapes(&layers)
            .enumerate()
            .map(|(k, (_, [out, inp]))| {
                let std = (2.0 / (9 * out) as f64).sqrt();
                let stream = portable_rng::stream(self.seed, k as u64);
                let weight = portable_rng::normal(stream, out * inp * 9, std);
                conv_from_data(
                    TensorData::new(weight, [out, inp, 3, 3]),
                    TensorData::new(vec![0f32; out], [out]),
                    device,
                )
            })
            .collect();
        Ok(Vgg::from_parts(self, layers, convs))
    }
}

/// The convolutions among `layers`, each with its `[out, in]` channels.
pub(crate) fn conv_shapes(
    layers: &[VggLayer],
) -> impl Iterator<Item = (VggLayer, [usize; 2])> + '_ {
    let mut channels_in = 3;
    layers
        .iter()
        .filter(|layer| layer.kind() == LayerKind::Conv)
        .map(move |&layer| {
            let shape = [layer.channels(), channels_in];
            channels_in = layer.channels();
            (layer, shape)
        })
}

/// A 3×3, stride 1, padding 1 convolution with the given weight `[out, in, 3, 3]` and bias.
pub(crate) fn conv_from_data(weight: TensorData, bias: TensorData, device: &Device) -> Conv2d {
    // Built directly rather than through `Conv2dConfig::init`, which would first draw
    // random weights only for them to be replaced.
    let conv = Conv2d {
        weight: Param::from_tensor(Tensor::from_data(weight, device)),
        bias: Some(Param::from_tensor(Tensor::from_data(bias, device))),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Explicit(1, 1, 1, 1),
    };
    conv.no_grad()
}
