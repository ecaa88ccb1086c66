//! The one error type of this crate.

use core::fmt;

use burn::tensor::TensorReadError;
use impasto_vgg::{VggError, VggLayer};

/// Which list of layers, or which term of the total loss, an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term {
    /// The content term `α L_c` and its layers `C`.
    Content,
    /// The style term `β L_s` and its layers `S`.
    Style,
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Term::Content => "content",
            Term::Style => "style",
        })
    }
}

/// Everything that can go wrong building or evaluating a loss.
///
/// Every check is made on shapes and host-side numbers before any computation is queued,
/// so an error never leaves half-built state behind and never costs a device read.
///
/// # Example
/// ```
/// use impasto_loss::{LossError, Term, TotalLossConfig};
///
/// let config = TotalLossConfig::new().with_content_layers(vec![]);
/// let error = config.validate().unwrap_err();
/// assert!(matches!(error, LossError::EmptyLayers { term: Term::Content }));
/// assert_eq!(error.to_string(), "the content layer list is empty; name at least one layer");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LossError {
    /// A weight (`content_weight` α, `style_weight` β, `tv_weight` γ, a per-layer style
    /// weight or a style image's blend weight) is below zero, in
    /// [`TotalLossConfig::validate`](crate::TotalLossConfig::validate),
    /// [`StyleTargets::new`](crate::StyleTargets::new) or [`style_loss`](crate::style_loss).
    #[error("{name} must not be negative, got {value}")]
    NegativeWeight {
        /// Which weight, e.g. `style_weight` or `style_layer_weights[2]`.
        name: String,
        /// The value given.
        value: f64,
    },

    /// A weight is NaN or infinite (same places as [`LossError::NegativeWeight`]).
    #[error("{name} must be a finite number, got {value}")]
    NonFiniteWeight {
        /// Which weight.
        name: String,
        /// The value given.
        value: f64,
    },

    /// Every style image has blend weight 0, so the weights cannot be normalised to sum
    /// to 1, in [`StyleTargets::new`](crate::StyleTargets::new).
    #[error("the style images' blend weights are all zero; at least one must be positive")]
    ZeroBlendWeights,

    /// No style images were given to [`StyleTargets::new`](crate::StyleTargets::new).
    #[error("at least one style image is needed")]
    NoStyleImages,

    /// A list of layers is empty: the content or style layers of a
    /// [`TotalLossConfig`](crate::TotalLossConfig), of the targets, or the per-layer terms
    /// given to [`content_loss`](crate::content_loss) or [`style_loss`](crate::style_loss).
    #[error("the {term} layer list is empty; name at least one layer")]
    EmptyLayers {
        /// Content or style.
        term: Term,
    },

    /// The same layer is listed twice in a layer list, which would count its term twice.
    #[error("layer {layer} is listed twice among the {term} layers")]
    DuplicateLayer {
        /// Content or style.
        term: Term,
        /// The repeated layer.
        layer: VggLayer,
    },

    /// The per-layer style weights and the style layers differ in number, in
    /// [`TotalLossConfig::validate`](crate::TotalLossConfig::validate) or
    /// [`style_loss`](crate::style_loss).
    #[error("{weights} style layer weights given for {layers} style layers")]
    LayerWeightCount {
        /// Number of style layers.
        layers: usize,
        /// Number of weights.
        weights: usize,
    },

    /// Features and their target (or a Gram matrix and its target Gram) have different
    /// channel counts `N_l`: e.g. targets made by one network used with features of another
    /// layer, in [`content_layer_loss`](crate::content_layer_loss) or
    /// [`style_layer_loss`](crate::style_layer_loss).
    #[error("channel counts differ: the target has {expected} channels, the features {found}")]
    ChannelMismatch {
        /// Channels of the target.
        expected: usize,
        /// Channels of the features.
        found: usize,
    },

    /// Shapes that must agree do not, other than in channels: content features and
    /// their target differ in spatial size; batch sizes differ (a target's batch must be
    /// 1 or the features'); a Gram matrix is not square.
    #[error("{what}: expected shape {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// What was compared.
        what: &'static str,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },

    /// A style layer loss asked for with `M_l = 0` positions, where `E_l` divides by `M_l²`.
    #[error("a style layer loss needs at least one position (M_l = H_l·W_l > 0)")]
    NoPositions,

    /// Tiles that would not give the whole image's features: a core of 0 pixels, or a
    /// core or halo that is not a multiple of the deepest layer's stride
    /// ([`TileGrid::new`](crate::TileGrid::new)).
    #[error(
        "tiles of {core} pixels with a halo of {halo} must be positive multiples of {align} \
         pixels (the deepest layer's stride)"
    )]
    TileSize {
        /// The cores' side asked for, pixels.
        core: usize,
        /// The halo asked for, pixels.
        halo: usize,
        /// The stride both must be multiples of.
        align: usize,
    },

    /// A style image is not a single image `[1, 3, H, W]`, in
    /// [`StyleTargets::new`](crate::StyleTargets::new).
    #[error("style image {index} must be one image of shape [1, 3, H, W], found {shape:?}")]
    StyleImageShape {
        /// Position of the image in the list given.
        index: usize,
        /// Its shape.
        shape: Vec<usize>,
    },

    /// [`StyleTargets::with_regions`](crate::StyleTargets::with_regions) was given another
    /// number of masks than style images.
    #[error("{masks} region masks given for {styles} style images; give one mask per style image")]
    RegionCount {
        /// Style images given.
        styles: usize,
        /// Masks given.
        masks: usize,
    },

    /// A region mask covers no position at a style layer: black, or a region too small to
    /// survive the network's downsampling to that layer.
    #[error(
        "the mask of style image {index} covers no position at {layer}; paint a larger region \
         (a layer sees the image at 1/2^k of its size)"
    )]
    EmptyRegion {
        /// Position of the style image (and its mask) in the list given.
        index: usize,
        /// The first layer where the region is empty.
        layer: VggLayer,
    },

    /// The targets given to [`TotalLoss::new`](crate::TotalLoss::new) lack a layer the
    /// config needs, or a term with a positive weight has no targets at all.
    #[error("no {term} target for layer {layer}; build the targets with the config's layers")]
    MissingTarget {
        /// Content or style.
        term: Term,
        /// The first layer missing.
        layer: VggLayer,
    },

    /// A balance ([`LossWeights::Balanced`](crate::LossWeights::Balanced)) found a term
    /// with no scale to measure against, in [`term_scales`](crate::term_scales) or
    /// [`LossWeights::resolve`](crate::LossWeights::resolve): a black photo, style layer
    /// weights all 0, or a loss without that term.
    #[error(
        "the {term} term has no scale to balance against (it is {value} for an image with no \
         features); give the loss weights explicitly instead of a balance"
    )]
    NoScale {
        /// Content or style.
        term: Term,
        /// The scale found (0, or not finite).
        value: f64,
    },

    /// The network could not compute the features (a layer it does not have, an input
    /// that is not `[N, 3, H, W]` or too small for the deepest layer).
    #[error(transparent)]
    Vgg(#[from] VggError),

    /// Reading the loss breakdown back from the device failed.
    #[error("reading the loss values from the device failed: {0}")]
    Read(#[from] TensorReadError),
}
