//! VGG16 and VGG19 feature extractors for neural style transfer, on burn.
//!
//! The convolutional part of Simonyan & Zisserman's networks, with torchvision's
//! preprocessing built in: give it RGB pixels in `[0, 1]`, ask for layers by the names of
//! Gatys et al. (`relu4_2`, …), get their activations. It runs on whatever burn device the
//! tensors live on, and the weights never receive gradients.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use impasto_vgg::{VggConfig, VggLayer};
//!
//! let device = Device::flex();
//! // Random weights (seeded): for tests and demos, not a trained network.
//! let vgg = VggConfig::new().with_seed(7).init(&device);
//! let image = Tensor::<4>::ones([1, 3, 32, 32], &device).mul_scalar(0.5);
//! let layers: Vec<VggLayer> = ["relu1_1", "relu4_2"]
//!     .iter()
//!     .map(|name| name.parse())
//!     .collect::<Result<_, _>>()?;
//! let features = vgg.features(image, &layers)?;
//! assert_eq!(features[&VggLayer::Relu4_2].dims(), [1, 512, 4, 4]);
//! # Ok::<(), impasto_vgg::VggError>(())
//! ```
//!
//! Trained weights come from torchvision's files through [`VggConfig::load`]; see the
//! project's `docs/weights.md`.

mod config;
mod error;
mod inspect;
pub mod kernels;
mod layer;
mod model;
mod parse;
pub mod portable_rng;
mod preprocess;
mod random;
mod store;
mod weights;

pub use config::{Pooling, VggConfig};
pub use error::VggError;
pub use inspect::{INPUT_CONVENTION_METADATA, KNOWN_FILES, WeightsInfo, inspect_weights};
pub use layer::{LayerKind, VggArchitecture, VggLayer};
pub use model::Vgg;
pub use preprocess::{CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD, InputConvention};
