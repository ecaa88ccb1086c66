//! Dense optical flow between two RGB frames, for video style transfer: the flow itself
//! (DIS, with a variational baseline), forward–backward consistency masks, backward
//! warping, and Middlebury `.flo` files. Pure Rust on the CPU; no burn.
//!
//! ```
//! use image::{Rgb, Rgb32FImage};
//! use impasto_flow::{DisConfig, consistency_masks, warp};
//!
//! // Two frames of a texture moving 1.5 px to the right.
//! let texture = |x: f32, y: f32| {
//!     let v = 0.5 + 0.25 * (0.4 * x + 0.1 * y).sin() + 0.25 * (0.3 * y - 0.2 * x).cos();
//!     Rgb([v, v, v])
//! };
//! let first = Rgb32FImage::from_fn(48, 40, |x, y| texture(x as f32, y as f32));
//! let second = Rgb32FImage::from_fn(48, 40, |x, y| texture(x as f32 - 1.5, y as f32));
//!
//! let dis = DisConfig::default();
//! let forward = dis.compute(&first, &second)?;
//! let backward = dis.compute(&second, &first)?;
//! let [u, v] = forward.get(24, 20).unwrap();
//! assert!((u - 1.5).abs() < 0.2 && v.abs() < 0.2);
//!
//! // Where the forward flow can be trusted (1.0) and where not (0.0).
//! let masks = consistency_masks(&forward, &backward)?;
//! assert_eq!(masks.weight.len(), 48 * 40);
//! // The second frame brought back onto the first.
//! let aligned = warp(&second, &forward)?;
//! assert_eq!(aligned.image.dimensions(), (48, 40));
//! # Ok::<(), impasto_flow::FlowError>(())
//! ```
//!
//! # Conventions
//!
//! A flow from frame A to frame B gives, at each pixel `x` of A, the displacement `w(x)`
//! (pixels, `u` rightwards, `v` downwards) to where that content is in B:
//! `B(x + w(x)) ≈ A(x)`. Pixel centres are at integer coordinates. Frames are reduced
//! to luminance (Rec. 601); their values may be in any range but must be finite.
//!
//! # Method
//!
//! [`DisConfig`] computes Dense Inverse Search: a coarse-to-fine pyramid; at each level
//! a grid of overlapping patches, each aligned by inverse-compositional Gauss–Newton on
//! its mean-normalised SSD; densification by averaging the patches over each pixel,
//! weighted by their photometric fit; variational refinement ([`VariationalConfig`]).
//! [`VariationalFlowConfig`] is the comparison baseline: the variational energy alone,
//! coarse to fine from zero flow. The README gives measured end-point errors and times.
//!
//! # References
//!
//! - T. Kroeger, R. Timofte, D. Dai, L. Van Gool. *Fast Optical Flow using Dense Inverse
//!   Search.* ECCV 2016. (DIS; OpenCV's `DISOpticalFlow`, whose presets and refinement
//!   weights are the defaults here.)
//! - T. Brox, A. Bruhn, N. Papenberg, J. Weickert. *High Accuracy Optical Flow Estimation
//!   Based on a Theory for Warping.* ECCV 2004. (The variational energy.)
//! - B. K. P. Horn, B. G. Schunck. *Determining Optical Flow.* Artificial Intelligence
//!   17, 1981. (Smoothness-regularised flow.)
//! - H. Zimmer, A. Bruhn, J. Weickert. *Optic Flow in Harmony.* IJCV 93, 2011. (The
//!   data-term normalisation.)
//! - M. Ruder, A. Dosovitskiy, T. Brox. *Artistic Style Transfer for Videos.* GCPR 2016.
//!   (The consistency criteria of [`consistency_masks`].)
//! - N. Sundaram, T. Brox, K. Keutzer. *Dense Point Trajectories by GPU-Accelerated
//!   Large Displacement Optical Flow.* ECCV 2010. (The origin of those criteria.)
//! - S. Baker, D. Scharstein, J. P. Lewis, S. Roth, M. J. Black, R. Szeliski. *A Database
//!   and Evaluation Methodology for Optical Flow.* IJCV 92, 2011. (The `.flo` format.)

mod baseline;
mod consistency;
mod dis;
mod error;
mod field;
mod flo;
mod flo_header;
mod plane;
mod variational;
mod warp;

pub use baseline::VariationalFlowConfig;
pub use consistency::{ConsistencyMasks, consistency_masks};
pub use dis::DisConfig;
pub use error::FlowError;
pub use field::FlowField;
pub use flo::{read_flo, read_flo_from, write_flo, write_flo_to};
pub use flo_header::{FLO_MAGIC, MAX_FLO_SIDE};
pub use variational::VariationalConfig;
pub use warp::{Warped, warp};
