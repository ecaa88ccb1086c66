//! impasto: neural style transfer (Gatys, Ecker & Bethge) on burn.
//!
//! An image is optimised, pixel by pixel, so that its VGG16 features match a content
//! photo's and the Gram matrices of its features match a style image's. This facade
//! re-exports the workspace's crates:
//!
//! - [`vgg`]: the VGG16/VGG19 feature extractor and torchvision weight loading;
//! - [`loss`]: content loss, Gram matrices, style loss, total variation;
//! - [`optim`]: L-BFGS, gradient descent and Adam on burn tensors;
//!
//! and chooses the compute [`Backend`] by name.
//!
//! ```
//! use burn::tensor::Tensor;
//! use impasto::Backend;
//! use impasto::vgg::{VggConfig, VggLayer};
//!
//! let device = Backend::Flex.device()?;
//! // Random weights (seeded): for tests and demos only, not a trained network.
//! let vgg = VggConfig::new().with_last_layer(Some(VggLayer::Relu2_1)).init(&device);
//! let image = Tensor::<4>::full([1, 3, 16, 16], 0.5, &device);
//! let features = vgg.features(image, &[VggLayer::Relu2_1])?;
//! assert_eq!(features[&VggLayer::Relu2_1].dims(), [1, 128, 8, 8]);
//! # Ok::<(), impasto::ImpastoError>(())
//! ```

mod backend;
mod error;
mod image_io;
mod weights;

pub use backend::Backend;
pub use error::ImpastoError;
pub use image_io::{
    MAX_IMAGE_SIDE, fit_longest_side, image_to_tensor, load_image, resize_longest_side, save_image,
    tensor_to_image,
};

pub use weights::{
    DownloadProgress, FetchOutcome, Fetched, TORCHVISION_VGG16_FILE,
    TORCHVISION_VGG16_SHA256_PREFIX, TORCHVISION_VGG16_URL, WEIGHTS_ENV, WeightsDownload,
    WeightsSource, default_weights_path, weights_cache_dir,
};

pub use impasto_loss as loss;
pub use impasto_optim as optim;
pub use impasto_vgg as vgg;
