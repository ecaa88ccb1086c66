//! impasto: neural style transfer (Gatys, Ecker & Bethge) on burn.
//!
//! An image is optimised, pixel by pixel, so that its VGG16 features match a content
//! photo's and the Gram matrices of its features match a style image's.
//!
//! ```
//! use burn::tensor::Device;
//! use image::{Rgb, Rgb32FImage};
//! use impasto::{StyleTransfer, WeightsSource};
//!
//! // A tiny "photo" and "painting", made in memory (files work too: `"photo.jpg"`).
//! let photo = Rgb32FImage::from_fn(32, 24, |x, y| Rgb([x as f32 / 32.0, 0.5, y as f32 / 24.0]));
//! let painting = Rgb32FImage::from_fn(32, 32, |x, y| {
//!     let stripe = (x + y) / 4 % 2 == 0;
//!     if stripe { Rgb([0.9, 0.7, 0.1]) } else { Rgb([0.1, 0.2, 0.7]) }
//! });
//!
//! let result = StyleTransfer::new(photo, vec![painting.into()])
//!     // An untrained network with seeded random weights: runs anywhere, but it is a
//!     // demo of the machinery, not real style transfer. Real weights: `impasto weights fetch`.
//!     .with_weights(WeightsSource::Random)
//!     .with_size(32) // longest side, pixels
//!     .with_iterations(5) // L-BFGS iterations
//!     .run(&Device::flex(), &mut ())?; // the CPU; `&mut ()` watches nothing
//!
//! assert_eq!(result.image.dimensions(), (32, 24));
//! let records = &result.report.records; // one per iteration, as `--report` writes them
//! assert!(records.last().unwrap().loss < records[0].loss);
//! // result.image.save("stylized.png") or impasto::save_image(&result.image, "out.png")
//! # Ok::<(), impasto::ImpastoError>(())
//! ```
//!
//! What is here:
//!
//! - [`StyleTransfer`]: the pipeline (images, weights, loss, optimizer, observer) and its
//!   [`RunReport`]; [`StyleTransfer::reconstruct_content`] and
//!   [`StyleTransfer::reconstruct_style`], the paper's reconstruction experiments;
//! - video: [`VideoTransfer`] stylises numbered frames with temporal consistency (Ruder,
//!   Dosovitskiy & Brox), resuming where an interrupted run stopped (docs/video.md);
//! - images: [`load_image`], [`resize_longest_side`], [`save_image`] (atomic);
//! - weights: [`WeightsSource`] and [`WeightsDownload`] (torchvision's VGG16);
//! - [`Backend`]: a compute backend by name, its device;
//! - the workspace's crates: [`vgg`] (VGG16/19 features, weight loading), [`loss`]
//!   (content, Gram, style, total variation), [`optim`] (L-BFGS, gradient descent, Adam),
//!   [`flow`] (optical flow, consistency masks, warping).
//!
//! The map of how they fit is `docs/architecture.md`.

mod backend;
mod colors;
mod error;
mod image_io;
mod report;
mod transfer;
mod video;
mod weights;

pub use backend::Backend;
pub use error::ImpastoError;
pub use image_io::{
    MAX_IMAGE_SIDE, fit_longest_side, image_to_tensor, load_image, partial_file_path,
    resize_longest_side, save_image, tensor_to_float_image, tensor_to_image, write_atomically,
};
pub use report::{
    BalanceReport, IterationReport, OptimizerReport, ResolvedConfig, RunReport, StageReport,
    StyleReport,
};
pub use transfer::{
    Balance, COARSEST_ITERATIONS, COARSEST_MIN_SIZE, DEFAULT_ITERATIONS, DEFAULT_SIZE,
    DEFAULT_TEMPORAL_WEIGHT, ImageInput, Init, MAX_SIZE, NetworkCache, OptimizerConfig, Progress,
    Stage, StyleTransfer, Task, TemporalTerm, TermScales, TransferObserver, TransferOutput,
    default_schedule, schedule, temporal_loss,
};
pub use video::{
    DEFAULT_FRAME_ITERATIONS, FramePattern, FrameProgress, FrameRecord, FrameSequence,
    VideoConfigReport, VideoObserver, VideoReport, VideoTransfer,
};

pub use weights::{
    DownloadProgress, FetchOutcome, Fetched, NetworkChoice, PublishedWeights,
    TORCHVISION_VGG16_FILE, TORCHVISION_VGG16_SHA256_PREFIX, TORCHVISION_VGG16_URL, WEIGHTS_ENV,
    WeightsDownload, WeightsSource, default_weights_path, weights_cache_dir,
};

/// Keeps freed memory for reuse instead of returning it to the system (glibc on Linux):
/// one call at a binary's start makes evaluations on the CPU about a fifth faster at 512
/// px, where every buffer was page-faulted in again (docs/benchmarks.md). The `impasto`
/// command calls it. Process-wide, so a library leaves it to its binary; see
/// [`impasto_kernels::reuse_freed_memory`].
#[cfg(feature = "flex")]
pub use impasto_kernels::reuse_freed_memory;

pub use impasto_flow as flow;
pub use impasto_loss as loss;
pub use impasto_optim as optim;
pub use impasto_vgg as vgg;
