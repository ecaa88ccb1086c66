//! The losses of neural style transfer (Gatys, Ecker & Bethge): content loss, Gram
//! matrices, style loss, total variation, and their weighted total, on burn tensors.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use impasto_loss::TotalLossConfig;
//! use impasto_vgg::VggConfig;
//!
//! let device = Device::flex().autodiff();
//! // Random weights (seeded): for tests and demos, not a trained network.
//! let vgg = VggConfig::new().with_seed(0).init(&device);
//! let photo = Tensor::<4>::ones([1, 3, 16, 16], &device).mul_scalar(0.5);
//! let painting = Tensor::<4>::ones([1, 3, 24, 16], &device).mul_scalar(0.2);
//!
//! // The paper's layers and impasto's default weights; targets are computed once here.
//! let loss = TotalLossConfig::new().init(&vgg, photo.clone(), &[(painting, 1.0)])?;
//!
//! // In the optimisation loop: evaluate, differentiate with respect to the pixels.
//! let image = photo.require_grad();
//! let evaluation = loss.evaluate(&vgg, image.clone())?;
//! let gradients = evaluation.loss().backward();
//! let pixel_gradient = image.grad(&gradients).expect("the image is tracked");
//! assert_eq!(pixel_gradient.dims(), [1, 3, 16, 16]);
//!
//! // The terms, read back only when asked for (one read).
//! let terms = evaluation.breakdown()?;
//! assert_eq!(terms.content, 0.0); // the image is the photo
//! assert_eq!(terms.style_per_layer.len(), 5);
//! # Ok::<(), impasto_loss::LossError>(())
//! ```
//!
//! # The mathematics
//!
//! For a layer `l` with `N_l` channels and `M_l = H_l·W_l` positions, `F^l` is the
//! optimised image's activation as an `N_l × M_l` matrix, `P^l` the content image's and
//! `A^l` the style's Gram matrix:
//!
//! | term | formula | function |
//! |---|---|---|
//! | content | `L_c = Σ_{l∈C} ½ Σ_ij (F^l_ij − P^l_ij)²` | [`content_loss`], [`content_layer_loss`] |
//! | Gram matrix | `G^l = F^l F^lᵀ` (not normalised) | [`gram`] |
//! | style, one layer | `E_l = Σ_ij (G^l_ij − A^l_ij)² / (4 N_l² M_l²)` | [`style_layer_loss`] |
//! | style | `L_s = Σ_{l∈S} w_l E_l`, default `w_l = 1/|S|` | [`style_loss`] |
//! | total variation | `L_tv = Σ (x_{c,i+1,j} − x_{c,i,j})² + Σ (x_{c,i,j+1} − x_{c,i,j})²` | [`total_variation`] |
//! | total | `L = α L_c + β L_s + γ L_tv` | [`TotalLoss`] |
//! | temporal (video) | `L_t = (1/D) Σ_k c_k (x_k − ω_k)²` | [`temporal_loss`] |
//!
//! α, β and γ are fixed or set by a balance against each term's scale: [`LossWeights`].
//!
//! Every function agrees with an independent float64 PyTorch implementation to better
//! than 1e-4 relative (`crates/impasto-loss/tests/loss_conformance.rs`). `docs/maths.md` renders the formulas
//! and derives the default weights ([`DEFAULT_CONTENT_WEIGHT`], [`DEFAULT_STYLE_WEIGHT`],
//! [`DEFAULT_TV_WEIGHT`]).
//!
//! # Gradients and cost
//!
//! Targets ([`ContentTargets`], [`StyleTargets`]) are computed once, without autodiff;
//! only the pixel tensor given to [`TotalLoss::evaluate`] is differentiated. An
//! evaluation runs one forward pass to the deepest layer needed and reads nothing back
//! to the host; [`LossEvaluation::breakdown`] reads all terms in one transfer when asked.
//!
//! No function here names a backend: everything runs on the device of its tensors.

mod checks;
mod config;
mod content;
mod error;
mod evaluation;
mod gram;
mod guided;
mod reduce;
mod region_targets;
mod style;
mod targets;
mod temporal;
mod tile_features;
mod tiled;
pub mod tiles;
mod total;
mod total_variation;
mod weights;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod total_loss_tests;

pub use config::{
    DEFAULT_CONTENT_LAYERS, DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_LAYERS, DEFAULT_STYLE_WEIGHT,
    DEFAULT_TV_WEIGHT, TotalLossConfig,
};
pub use content::{content_layer_loss, content_loss};
pub use error::{LossError, Term};
pub use evaluation::{LossBreakdown, LossEvaluation};
pub use gram::gram;
pub use guided::{guided_gram, region_mass, region_style_layer_loss};
pub use style::{style_layer_loss, style_layer_loss_over, style_loss};
pub use targets::{ContentTargets, StyleTargets};
pub use temporal::temporal_loss;
pub use tiles::TileGrid;
pub use total::TotalLoss;
pub use total_variation::total_variation;
pub use weights::{
    DEFAULT_STYLE_STRENGTH, DEFAULT_TV_STRENGTH, LossWeights, TermScales, TermWeights, term_scales,
};
