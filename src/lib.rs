//! impasto: neural style transfer (Gatys, Ecker & Bethge) on burn.
//!
//! An image is optimised, pixel by pixel, so that its VGG16 features match a content
//! photo's and the Gram matrices of its features match a style image's.
//!
//! ```
//! use burn::tensor::Device;
//! use image::{Rgb, Rgb32FImage};
//! use impasto::prelude::*;
//!
//! // A tiny "photo" and "painting", made in memory (files work too: `"photo.jpg"`).
//! let photo = Rgb32FImage::from_fn(32, 24, |x, y| Rgb([x as f32 / 32.0, 0.5, y as f32 / 24.0]));
//! let painting = Rgb32FImage::from_fn(32, 32, |x, y| {
//!     let stripe = (x + y) / 4 % 2 == 0;
//!     if stripe { Rgb([0.9, 0.7, 0.1]) } else { Rgb([0.1, 0.2, 0.7]) }
//! });
//!
//! let transfer = StyleTransfer::new(photo, vec![painting.into()])
//!     // An untrained network with seeded random weights: runs anywhere, but it is a
//!     // demo of the machinery, not real style transfer. Real weights: `impasto weights fetch`.
//!     .with_weights(WeightsSource::Random)
//!     .with_size(32) // longest side, pixels
//!     .with_style_strength(60.0) // more paint than the default 30, at any size
//!     .with_iterations(5); // L-BFGS iterations over the whole run
//!
//! // Every setting resolved once: the stages, the weights, the network.
//! let plan = transfer.plan()?;
//! assert_eq!(plan.stages, [Stage::new(32, 5)]);
//!
//! let result = transfer.run(&Device::flex(), &mut ())?; // the CPU; `&mut ()` watches nothing
//! assert_eq!(result.image.dimensions(), (32, 24));
//! let records = &result.report.records; // one per iteration, as `--report` writes them
//! assert!(records.last().unwrap().loss < records[0].loss);
//! // save_image(&result.image, "out.png")?; // written whole or not at all
//! # Ok::<(), impasto::ImpastoError>(())
//! ```
//!
//! The modules, by what a program does:
//!
//! - [`transfer`]: [`StyleTransfer`], its settings ([`Schedule`],
//!   [`LossWeights`](transfer::LossWeights), optimizer, network), the
//!   [`Plan`](transfer::Plan) they resolve to, the observer, and the paper's two
//!   reconstruction experiments;
//! - [`video`]: [`VideoTransfer`] stylises numbered frames with temporal consistency
//!   (Ruder, Dosovitskiy & Brox), resuming where an interrupted run stopped
//!   (docs/video.md);
//! - [`report`]: the JSON run report, [`RunReport`](report::RunReport);
//! - [`image`]: reading, resizing, and atomic writing of images;
//! - [`weights`]: [`WeightsSource`], the published files and their download;
//! - [`error`]: [`ImpastoError`] and the enums it wraps, one per concern;
//! - [`Backend`]: a compute backend by name, its device;
//! - [`prelude`]: the names most programs use;
//! - the workspace's crates: [`vgg`] (VGG16/19 features, weight loading), [`loss`]
//!   (content, Gram, style, total variation, temporal, the balance), [`optim`] (L-BFGS,
//!   gradient descent, Adam), [`flow`] (optical flow, consistency masks, warping).
//!
//! The map of how they fit, from settings to pixels, is `docs/architecture.md`.

mod backend;
mod color_match;
mod colors;
pub mod error;
mod image_io;
pub mod regions;
pub mod report;
pub mod transfer;
pub mod video;
pub mod weights;

/// Images in and out: reading (any format `image` decodes, EXIF orientation applied),
/// resizing, tensors, and writing whole or not at all.
pub mod image {
    pub use crate::image_io::{
        MAX_IMAGE_SIDE, Mask, fit_longest_side, image_to_tensor, load_image, partial_file_path,
        resize_longest_side, save_image, save_mask, tensor_to_float_image, tensor_to_image,
        write_atomically,
    };
}

/// What most programs need: `use impasto::prelude::*;`.
pub mod prelude {
    pub use crate::image::{load_image, save_image};
    pub use crate::transfer::{
        ImageInput, Init, LossWeights, Schedule, Stage, StyleTransfer, TransferObserver,
    };
    pub use crate::weights::WeightsSource;
    pub use crate::{Backend, ImpastoError};
}

// Short paths inside the crate (`crate::load_image`); the public paths are the modules'.
use image_io::{
    fit_longest_side, image_to_tensor, load_image, resize_longest_side, save_image,
    tensor_to_float_image, tensor_to_image,
};
use transfer::{
    ImageInput, Init, OptimizerConfig, Progress, Schedule, TemporalTerm, TransferOutput,
};
use weights::NetworkChoice;

pub use backend::Backend;
pub use error::ImpastoError;
pub use transfer::StyleTransfer;
pub use video::VideoTransfer;
pub use weights::WeightsSource;

/// Keeps freed memory for reuse instead of returning it to the system (glibc on Linux):
/// one call at a binary's start saves the page faults of every evaluation on the CPU,
/// whose buffers would otherwise be unmapped and faulted in again (the gain is measured in
/// docs/benchmarks.md). The `impasto`
/// command calls it. Process-wide, so a library leaves it to its binary; see
/// [`impasto_kernels::reuse_freed_memory`].
#[cfg(feature = "flex")]
pub use impasto_kernels::reuse_freed_memory;

pub use impasto_flow as flow;
pub use impasto_loss as loss;
pub use impasto_optim as optim;
pub use impasto_vgg as vgg;
