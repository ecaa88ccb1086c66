//! The option groups more than one command shares (flattened into each), the names the
//! enum options accept, and their mapping to the library's types.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use impasto::StyleTransfer;
use impasto::transfer::{ColorMatch, Colors, PixelBounds};
use impasto::vgg::{InputConvention, Pooling, VggArchitecture};

/// The style images and how they are taken: `transfer`, `video` and batch jobs.
#[derive(Debug, Args)]
pub struct StyleArgs {
    /// A painting whose style the result takes. Repeat the option to blend several styles.
    #[arg(long, value_name = "IMAGE", required = true)]
    pub style: Vec<PathBuf>,
    /// How much of each style image, one weight per --style in the same order, separated
    /// by commas (e.g. 0.7,0.3); normalised to sum to 1. [default: equal weights]
    #[arg(long, value_name = "W,...", value_delimiter = ',')]
    pub style_blend: Option<Vec<f64>>,
    /// Where the style paints: a greyscale image per --style, in the same order (any size,
    /// resized to the photo's): white paints this style, grey partly, black not. Where no
    /// mask is white the result keeps the photo. Repeat the option, one per style.
    #[arg(long, value_name = "MASK", conflicts_with = "regions")]
    pub style_mask: Vec<PathBuf>,
    /// Split the photo into N regions found automatically (the network's features, colour
    /// and position) and paint the styles in them in order, largest region first;
    /// regions beyond the last style keep the photo. The masks used are written beside
    /// the output (out-region-1.png, …) to edit and give back with --style-mask.
    #[arg(long, value_name = "N")]
    pub regions: Option<usize>,
    /// How large the style is taken.
    #[command(flatten)]
    pub style_scale: StyleScaleArg,
    /// Keep the content image's colours: only the luminance takes the style. The same as
    /// --colors photo.
    #[arg(long)]
    pub original_colors: bool,
    /// Which colours the result has: `style`, the painting's; `photo`, the photo's
    /// colours put back on the result after the run (--original-colors); `luminance`, a
    /// luminance-only transfer (the painting's light and dark matched to the photo's,
    /// then the photo's colours); `histogram`, the painting recoloured to the photo's
    /// colour mean and covariance before the run (the photo's palette in the painting's
    /// strokes). [default: style]
    #[arg(
        long,
        value_enum,
        value_name = "WHICH",
        conflicts_with = "original_colors"
    )]
    pub colors: Option<ColorsName>,
    /// With --colors histogram, the map that gives the painting the photo's colour mean
    /// and covariance: `cholesky` (the Cholesky factors), `symmetric` (the matrix square
    /// roots, closest to a plain scaling) or `pca` (the principal colour axes mapped onto
    /// the photo's). [default: cholesky]
    #[arg(long, value_enum, value_name = "MAP")]
    pub color_match: Option<ColorMatchName>,
}

/// The maps `--color-match` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorMatchName {
    /// L_c L_s⁻¹.
    Cholesky,
    /// Σ_c^½ Σ_s^−½.
    Symmetric,
    /// Q_c Λ_c^½ Λ_s^−½ Q_sᵀ.
    Pca,
}

impl From<ColorMatchName> for ColorMatch {
    fn from(name: ColorMatchName) -> Self {
        match name {
            ColorMatchName::Symmetric => ColorMatch::Symmetric,
            ColorMatchName::Cholesky => ColorMatch::Cholesky,
            ColorMatchName::Pca => ColorMatch::Pca,
        }
    }
}

/// The colours `--colors` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorsName {
    /// The painting's colours.
    Style,
    /// The photo's colours put back after the run.
    Photo,
    /// A luminance-only transfer, then the photo's colours.
    Luminance,
    /// The painting recoloured to the photo's palette before the run.
    Histogram,
}

impl From<ColorsName> for Colors {
    fn from(name: ColorsName) -> Self {
        match name {
            ColorsName::Style => Colors::Style,
            ColorsName::Photo => Colors::Photo,
            ColorsName::Luminance => Colors::Luminance,
            ColorsName::Histogram => Colors::Histogram(ColorMatch::default()),
        }
    }
}

/// How the loss weighs content, style and smoothness: `transfer`, `video` and batch jobs.
#[derive(Debug, Args)]
pub struct LossWeightArgs {
    /// How strongly to paint: the style term's weight relative to the content term's,
    /// each measured against its own scale, so the same strength looks alike at every
    /// size. Higher paints more, lower keeps more of the photo. ≥ 0. [default: 30]
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub style_strength: Option<f64>,
    /// How much to smooth pixel noise, relative to the content term, each over its scale.
    /// ≥ 0. [default: 0.5]
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub tv_strength: Option<f64>,
    /// Fixed weights instead of the balance: α, the content loss's weight. Setting any of
    /// --content-weight, --style-weight, --tv-weight uses the formulas of docs/maths.md as
    /// they are (the result then changes with the size); those not given are α 1, β 1e7,
    /// γ 1000. ≥ 0. [default: unset: the balance (--style-strength) weighs the terms]
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    pub content_weight: Option<f64>,
    /// Fixed weights instead of the balance: β, the style loss's weight (see
    /// --content-weight). ≥ 0. [default: unset: the balance weighs the terms]
    #[arg(long, value_name = "BETA", allow_negative_numbers = true)]
    pub style_weight: Option<f64>,
    /// Fixed weights instead of the balance: γ, the total variation's weight (see
    /// --content-weight). ≥ 0. [default: unset: the balance weighs the terms]
    #[arg(long, value_name = "GAMMA", allow_negative_numbers = true)]
    pub tv_weight: Option<f64>,
}

/// The network, its weights and where it runs: every command that runs one.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// The network's weights: a VGG16/19 file (.pth or .safetensors), or `random` for an
    /// untrained network (a quick demo, not real style transfer). [default: the file
    /// `impasto weights fetch` downloads; see `impasto weights path`]
    #[arg(long, value_name = "PATH|random")]
    pub weights: Option<String>,
    /// The network's architecture. [default: the weights file's; vgg16 for random weights]
    #[arg(long, value_enum, value_name = "NAME")]
    pub architecture: Option<ArchitectureName>,
    /// How the weights expect their input: torchvision (RGB in [0, 1], ImageNet mean and
    /// std) or caffe (BGR in 0-255 minus the channel means, as jcjohnson's converted
    /// vgg16-00b39a1b.pth / vgg19-d01eb7cb.pth). [default: what the file's name or
    /// metadata say; torchvision, with a note, when they say nothing]
    #[arg(long, value_enum, value_name = "CONVENTION")]
    pub preprocess: Option<PreprocessName>,
    /// The network's pooling layers.
    #[arg(long, value_enum, default_value_t = PoolingName::Max)]
    pub pooling: PoolingName,
    /// Where to compute: `auto` picks a GPU (wgpu) when this machine has one, else the CPU
    /// (flex).
    #[arg(long, value_enum, default_value_t = BackendName::Auto)]
    pub backend: BackendName,
    /// Seed of the starting noise and of random weights: the same seed gives the same
    /// result.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

/// `--style-scale`, shared by the commands that take a style.
#[derive(Debug, Args)]
pub struct StyleScaleArg {
    /// Style images are resized to this fraction of --size before their style is taken:
    /// below 1 gives larger brush strokes, above 1 finer ones. Must be > 0.
    #[arg(
        long,
        value_name = "SCALE",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub style_scale: f64,
}

/// `--max-memory`, shared by the commands that run transfers (`transfer`, `reconstruct`,
/// `video`).
#[derive(Debug, Args)]
pub struct MaxMemoryArg {
    /// The most memory the run may take, e.g. 8G or 1500M (K, M, G, T: powers of 1024).
    /// A scale (or a video frame) that does not fit whole is evaluated tile by tile (the
    /// same picture, more time); only where small tiles do not fit either is the L-BFGS
    /// history shortened; a run that cannot fit is refused before it starts. [default: a
    /// third of this machine's memory]
    #[arg(long, value_name = "SIZE", value_parser = impasto::transfer::parse_bytes)]
    pub max_memory: Option<u64>,
}

impl MaxMemoryArg {
    /// `transfer` with the budget given, else as it is (the library's default budget).
    pub fn apply(&self, transfer: StyleTransfer) -> StyleTransfer {
        match self.max_memory {
            Some(bytes) => transfer.with_max_memory(bytes),
            None => transfer,
        }
    }
}

/// The optimizers `--optimizer` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerName {
    /// L-BFGS, the paper's optimizer: few iterations, several evaluations each.
    Lbfgs,
    /// Gradient descent with a fixed learning rate (for comparison).
    Gd,
    /// Adam (for comparison).
    Adam,
}

/// How the pixels stay in [0, 1] (`--bounds`): `transfer`, the reconstructions, `video`
/// and batch jobs.
#[derive(Debug, Args)]
pub struct BoundsArg {
    /// How the pixels stay in [0, 1], the range a saved image has. `box` optimises within
    /// [0, 1], so the picture saved is the picture optimised; `none` runs unconstrained
    /// and the save clamps (what every run did before); `sigmoid` and `penalty` are the alternatives
    /// measured against `box` in docs/benchmarks.md. [default: box]
    #[arg(long, value_enum, value_name = "HOW")]
    pub bounds: Option<BoundsName>,
}

/// The ways `--bounds` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BoundsName {
    /// Minimise within [0, 1] (L-BFGS-B class): the default.
    Box,
    /// Optimise z with pixels = sigmoid(z).
    Sigmoid,
    /// Unconstrained, with a penalty on values outside [0, 1].
    Penalty,
    /// Unconstrained; the save clamps.
    None,
}

impl From<BoundsName> for PixelBounds {
    fn from(name: BoundsName) -> Self {
        match name {
            BoundsName::Box => PixelBounds::Box,
            BoundsName::Sigmoid => PixelBounds::Sigmoid,
            BoundsName::Penalty => PixelBounds::Penalty,
            BoundsName::None => PixelBounds::None,
        }
    }
}

/// The L-BFGS line searches `--line-search` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LineSearchName {
    /// A fixed step (--learning-rate), exactly as torch.optim.LBFGS without line search.
    None,
    /// Strong Wolfe conditions (c1 = 1e-4, c2 = 0.9): robust, the default.
    StrongWolfe,
    /// Backtracking until the loss falls enough (Armijo, c1 = 1e-4).
    Armijo,
}

/// The architectures `--architecture` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArchitectureName {
    /// VGG16: 13 convolutions.
    Vgg16,
    /// VGG19: 16 convolutions.
    Vgg19,
}

/// The input conventions `--preprocess` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreprocessName {
    /// RGB in [0, 1], normalised by ImageNet's mean and std (torchvision's files).
    Torchvision,
    /// BGR in 0-255 minus the channel means (the original Caffe models and their
    /// conversions).
    Caffe,
}

/// The pooling `--pooling` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PoolingName {
    /// Max pooling, as the network was trained.
    Max,
    /// Average pooling, which the paper found gives smoother images.
    Avg,
}

/// The backends `--backend` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendName {
    /// A GPU through wgpu if this build has it and the machine has a GPU, else flex.
    Auto,
    /// burn's fast CPU backend.
    Flex,
    /// burn-ndarray, a slow CPU backend (only in builds with the `ndarray` feature).
    Ndarray,
    /// A GPU through wgpu: Vulkan, Metal or DX12.
    Wgpu,
    /// NVIDIA CUDA: not available in this build; use wgpu.
    Cuda,
}

impl From<ArchitectureName> for VggArchitecture {
    fn from(name: ArchitectureName) -> Self {
        match name {
            ArchitectureName::Vgg16 => VggArchitecture::Vgg16,
            ArchitectureName::Vgg19 => VggArchitecture::Vgg19,
        }
    }
}

impl From<PreprocessName> for InputConvention {
    fn from(name: PreprocessName) -> Self {
        match name {
            PreprocessName::Torchvision => InputConvention::Torchvision,
            PreprocessName::Caffe => InputConvention::Caffe,
        }
    }
}

impl From<PoolingName> for Pooling {
    fn from(name: PoolingName) -> Self {
        match name {
            PoolingName::Max => Pooling::Max,
            PoolingName::Avg => Pooling::Avg,
        }
    }
}

impl OptimizerName {
    /// The name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerName::Lbfgs => "lbfgs",
            OptimizerName::Gd => "gd",
            OptimizerName::Adam => "adam",
        }
    }
}
