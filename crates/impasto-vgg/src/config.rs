//! Pooling and the network's configuration.

use burn::config::Config;

use crate::{InputConvention, VggArchitecture, VggError, VggLayer};

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

/// Configuration of a [`Vgg`](crate::Vgg) feature extractor.
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
}
