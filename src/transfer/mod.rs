//! The style-transfer pipeline: what to optimise ([`StyleTransfer`]), and its two
//! reconstruction experiments.

mod balance;
mod inputs;
mod network_cache;
mod next_start;
mod observe;
pub(crate) mod run;
mod settings;
mod stage;
mod stages;
mod temporal;

pub use balance::{Balance, TermScales};
pub use inputs::{ImageInput, Init};
pub use network_cache::NetworkCache;
pub use observe::{Progress, TransferObserver};
pub use run::TransferOutput;
pub use settings::OptimizerConfig;
pub use stages::{COARSEST_ITERATIONS, COARSEST_MIN_SIZE, Stage, default_schedule, schedule};
pub use temporal::{DEFAULT_TEMPORAL_WEIGHT, TemporalTerm, temporal_loss};

use burn::tensor::Device;
use impasto_loss::TotalLossConfig;
use impasto_optim::LbfgsConfig;
use impasto_vgg::{InputConvention, Pooling, VggArchitecture, VggLayer};

use crate::{ImpastoError, WeightsSource};

/// Default longest side of the result, pixels.
pub const DEFAULT_SIZE: u32 = 512;
/// Iteration limit of a single-scale run nobody set one for: the reconstructions'. A
/// transfer runs [`default_schedule`](crate::default_schedule) instead.
pub const DEFAULT_ITERATIONS: usize = 500;
/// The largest accepted `size`: [`MAX_IMAGE_SIDE`](crate::MAX_IMAGE_SIDE).
pub const MAX_SIZE: u32 = crate::MAX_IMAGE_SIDE;

/// Which experiment a [`StyleTransfer`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Content from one image, style from others: the full loss.
    Transfer,
    /// Only the content term, from noise: what a layer keeps of an image.
    ReconstructContent,
    /// Only the style term, from noise: the texture a layer set's Grams describe.
    ReconstructStyle,
}

impl Task {
    /// `transfer`, `reconstruct_content` or `reconstruct_style`.
    pub const fn name(self) -> &'static str {
        match self {
            Task::Transfer => "transfer",
            Task::ReconstructContent => "reconstruct_content",
            Task::ReconstructStyle => "reconstruct_style",
        }
    }
}

/// A style transfer (or reconstruction) to run: images, network, loss and optimizer.
///
/// Built like burn's configs: a constructor with the required inputs, then `with_*`
/// setters for everything else; [`validate`](Self::validate) (called by
/// [`run`](Self::run)) checks every value.
///
/// | setting | default | valid |
/// |---|---|---|
/// | [`weights`](Self::with_weights) | [`WeightsSource::Default`] (torchvision's file) | a file that exists, or `Random` |
/// | [`size`](Self::with_size) | 512 (longest side) | 1 ..= 16384 (the network needs ≥ 16 for `relu5_1`) |
/// | [`stages`](Self::with_stages) | transfer: [`default_schedule`](crate::default_schedule) of `size` (512 px: 256 × 150 iterations, 512 × 75); reconstructions: one, `size` × `iterations` | sizes growing, coarse stages ≥ 1 iteration |
/// | [`style_scale`](Self::with_style_scale) | 1.0 | finite, > 0; `size × style_scale` ≤ 16384 |
/// | [`style_blend`](Self::with_style_blend) | equal weights | one per style image, finite, ≥ 0, not all 0 |
/// | [`loss`](Self::with_loss) | [`TotalLossConfig`]'s defaults: α 1, β 10⁷, γ 10³, `relu4_2`, `relu1_1..relu5_1` | see [`TotalLossConfig`] |
/// | [`init`](Self::with_init) | [`Init::Content`] for a transfer, [`Init::Noise`] for the reconstructions | |
/// | [`seed`](Self::with_seed) | 0 (noise and random weights) | any |
/// | [`iterations`](Self::with_iterations) | the last stage's (reconstructions: 500); setting it alone makes a single-scale run | any; 0 evaluates the initial image only |
/// | [`optimizer`](Self::with_optimizer) | L-BFGS, m = 10, strong Wolfe | see [`OptimizerConfig`] |
/// | [`pooling`](Self::with_pooling) | max | max or avg |
/// | [`original_colors`](Self::with_original_colors) | false | |
///
/// # Example
/// ```
/// use burn::tensor::Device;
/// use impasto::{ImageInput, StyleTransfer, WeightsSource};
/// use image::{Rgb, Rgb32FImage};
///
/// // Two tiny in-memory images: a gradient "photo" and a checkerboard "painting".
/// let photo = Rgb32FImage::from_fn(24, 24, |x, y| Rgb([x as f32 / 24.0, y as f32 / 24.0, 0.5]));
/// let painting = Rgb32FImage::from_fn(24, 24, |x, y| {
///     if (x / 4 + y / 4) % 2 == 0 { Rgb([0.9, 0.8, 0.1]) } else { Rgb([0.1, 0.2, 0.6]) }
/// });
/// let transfer = StyleTransfer::new(photo, vec![ImageInput::from(painting)])
///     .with_weights(WeightsSource::Random) // untrained network: a demo, not real style transfer
///     .with_size(24)
///     .with_iterations(3);
/// let output = transfer.run(&Device::flex(), &mut ())?;
/// assert_eq!(output.image.dimensions(), (24, 24));
/// let records = &output.report.records;
/// assert!(records.last().unwrap().loss < records[0].loss);
/// # Ok::<(), impasto::ImpastoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StyleTransfer {
    pub(crate) task: Task,
    pub(crate) content: Option<ImageInput>,
    pub(crate) styles: Vec<ImageInput>,
    pub(crate) style_blend: Option<Vec<f64>>,
    pub(crate) weights: WeightsSource,
    pub(crate) size: u32,
    /// The stages before the last (whose size and iterations are `size`, `iterations`).
    pub(crate) coarse_stages: Vec<Stage>,
    pub(crate) style_scale: f64,
    pub(crate) loss: TotalLossConfig,
    pub(crate) balance: Option<Balance>,
    pub(crate) architecture: Option<VggArchitecture>,
    pub(crate) input: Option<InputConvention>,
    pub(crate) init: Init,
    pub(crate) seed: u64,
    pub(crate) iterations: usize,
    /// Whether the stages are [`default_schedule`](crate::default_schedule)'s for `size`
    /// (until `with_stages` or `with_iterations` sets them).
    pub(crate) default_schedule: bool,
    pub(crate) optimizer: OptimizerConfig,
    pub(crate) pooling: Pooling,
    pub(crate) original_colors: bool,
    /// A video frame's temporal-consistency term (single-scale runs only).
    pub(crate) temporal: Option<TemporalTerm>,
}

impl StyleTransfer {
    /// A transfer of `styles` (blended equally unless [`with_style_blend`](Self::with_style_blend)
    /// says otherwise) onto `content`, with every other setting at its default.
    pub fn new(content: impl Into<ImageInput>, styles: Vec<ImageInput>) -> Self {
        Self::with_parts(
            Task::Transfer,
            Some(content.into()),
            styles,
            TotalLossConfig::new(),
        )
    }

    /// The paper's content reconstruction: from noise, minimise only the content loss of
    /// `image` at `layer` (α = 1, no style term, γ = 0). Lower layers give back the image
    /// almost exactly; higher ones keep its arrangement and lose its pixels.
    pub fn reconstruct_content(image: impl Into<ImageInput>, layer: VggLayer) -> Self {
        let loss = TotalLossConfig::new()
            .with_content_layers(vec![layer])
            .with_style_weight(0.0)
            .with_tv_weight(0.0);
        Self::with_parts(
            Task::ReconstructContent,
            Some(image.into()),
            Vec::new(),
            loss,
        )
    }

    /// The paper's style reconstruction: from noise, minimise only the style loss of
    /// `image` on `layers` (β at its default, equal layer weights, no content term,
    /// γ = 0): a texture with the image's Gram matrices and none of its arrangement.
    pub fn reconstruct_style(image: impl Into<ImageInput>, layers: Vec<VggLayer>) -> Self {
        let loss = TotalLossConfig::new()
            .with_style_layers(layers)
            .with_content_weight(0.0)
            .with_tv_weight(0.0);
        Self::with_parts(Task::ReconstructStyle, None, vec![image.into()], loss)
    }

    fn with_parts(
        task: Task,
        content: Option<ImageInput>,
        styles: Vec<ImageInput>,
        loss: TotalLossConfig,
    ) -> Self {
        Self {
            task,
            content,
            styles,
            style_blend: None,
            weights: WeightsSource::Default,
            size: DEFAULT_SIZE,
            coarse_stages: Vec::new(),
            style_scale: 1.0,
            loss,
            balance: (task == Task::Transfer).then_some(Balance::DEFAULT),
            architecture: None,
            input: None,
            // Measured with trained weights (docs/benchmarks.md, "The default start"): from
            // the photo a transfer reaches a lower loss sooner, the same style and more of
            // the photo's structure. A reconstruction from its own target would be trivial.
            init: if task == Task::Transfer {
                Init::Content
            } else {
                Init::Noise
            },
            seed: 0,
            iterations: DEFAULT_ITERATIONS,
            // Measured with trained weights (docs/benchmarks.md, "Multi-scale runs"): the
            // balance of a 256-px run at every size, in a fraction of the time.
            default_schedule: task == Task::Transfer,
            optimizer: OptimizerConfig::Lbfgs(LbfgsConfig::default()),
            pooling: Pooling::Max,
            original_colors: false,
            temporal: None,
        }
    }

    /// Which experiment this is.
    pub fn task(&self) -> Task {
        self.task
    }

    /// Where the network's weights come from. Default [`WeightsSource::Default`].
    pub fn with_weights(mut self, weights: WeightsSource) -> Self {
        self.weights = weights;
        self
    }

    /// The result's longest side in pixels (aspect ratio kept; an image already that size
    /// is not resampled). Default 512; 1 ..= 16384. In a multi-scale run this is the last
    /// stage's size (see [`with_stages`](Self::with_stages)).
    pub fn with_size(mut self, size: u32) -> Self {
        self.size = size;
        self
    }

    /// Style images are resized so their longest side is `style_scale × size`: smaller
    /// values give larger brush strokes relative to the image. Default 1; finite, > 0.
    pub fn with_style_scale(mut self, style_scale: f64) -> Self {
        self.style_scale = style_scale;
        self
    }

    /// Blend weights of the style images, one each, normalised to sum to 1. Default
    /// `None`: equal weights. Each finite, ≥ 0, not all 0.
    pub fn with_style_blend(mut self, blend: Option<Vec<f64>>) -> Self {
        self.style_blend = blend;
        self
    }

    /// Loss weights and layers. Default [`TotalLossConfig::new`]; the reconstructions set
    /// their own (see their constructors) and keep only their term's layers. In a transfer
    /// with a [`Balance`] (the default) the balance sets β and γ from α; to use this
    /// config's β and γ as they are, also call [`with_balance(None)`](Self::with_balance).
    pub fn with_loss(mut self, loss: TotalLossConfig) -> Self {
        self.loss = loss;
        self
    }

    /// How a transfer sets β and γ: `Some` balance measures each term against its own
    /// scale, so that the result looks alike at every size and with either input
    /// convention; `None` uses the loss config's weights as they are (docs/maths.md's
    /// formulas exactly). Default `Some(Balance::DEFAULT)` for a transfer; the
    /// reconstructions, which have one term, use their config's weights.
    pub fn with_balance(mut self, balance: Option<Balance>) -> Self {
        self.balance = balance;
        self
    }

    /// VGG16 or VGG19. Default `None`: the weights file's (its keys tell), VGG16 for
    /// random weights. A stated architecture the file contradicts is an error.
    pub fn with_architecture(mut self, architecture: Option<VggArchitecture>) -> Self {
        self.architecture = architecture;
        self
    }

    /// The input convention of the weights (torchvision's or caffe's). Default `None`:
    /// the file's, when its name or metadata tell, else torchvision's, recorded in the
    /// report as assumed (see [`WeightsSource::choose_network`]). A stated convention the
    /// file contradicts is an error.
    pub fn with_input_convention(mut self, input: Option<InputConvention>) -> Self {
        self.input = input;
        self
    }

    /// The image the optimisation starts from. Default [`Init::Content`] for a transfer
    /// (the photo), [`Init::Noise`] for the reconstructions.
    pub fn with_init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Seed of the noise initialisation and of [`WeightsSource::Random`]'s network.
    /// Default 0.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Iteration limit; it replaces the optimizer config's own. 0 evaluates the initial
    /// image only. Set on a transfer with the default schedule, it makes the run a single
    /// stage at `size` of this many iterations; after
    /// [`with_stages`](Self::with_stages), it is the last stage's limit. Default: the
    /// schedule's (reconstructions: 500). Unless L-BFGS's evaluation limit was set, that
    /// limit follows it by [`LbfgsConfig::max_evaluations`]'s rule.
    pub fn with_iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self.default_schedule = false;
        self
    }

    /// The optimizer. Default L-BFGS with m = 10 and a strong-Wolfe line search.
    pub fn with_optimizer(mut self, optimizer: OptimizerConfig) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// Max (the paper's networks) or average pooling (the paper's choice for images).
    /// Default max.
    pub fn with_pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }

    /// Keep the content image's colours: the result's luminance with the content's
    /// chrominance (Gatys et al. 2016, luminance-only transfer, applied to the result).
    /// Default false.
    pub fn with_original_colors(mut self, original_colors: bool) -> Self {
        self.original_colors = original_colors;
        self
    }

    /// Adds a video frame's temporal-consistency term to the loss (Ruder et al. 2016; see
    /// [`TemporalTerm`]). Default `None`. Needs a single-scale run whose image is the
    /// term's size.
    pub fn with_temporal(mut self, temporal: Option<TemporalTerm>) -> Self {
        self.temporal = temporal;
        self
    }

    /// The loss configuration.
    pub fn loss(&self) -> &TotalLossConfig {
        &self.loss
    }

    /// The network the run will use: the architecture and input convention stated, or
    /// told by the weights file (see [`WeightsSource::choose_network`]).
    ///
    /// # Errors
    /// Those of [`WeightsSource::choose_network`].
    pub fn network(&self) -> Result<crate::NetworkChoice, ImpastoError> {
        self.weights.choose_network(self.architecture, self.input)
    }

    /// The balance of the loss's terms, if one sets β and γ.
    pub fn balance(&self) -> Option<Balance> {
        self.balance
    }

    /// The iteration limit (of the last stage, in a multi-scale run).
    pub fn iterations(&self) -> usize {
        self.stages()
            .last()
            .map_or(self.iterations, |s| s.iterations)
    }

    /// Whether the loss has a content term (every task but the style reconstruction).
    pub(crate) fn has_content_term(&self) -> bool {
        self.content.is_some()
    }

    /// Whether the loss has a style term (every task but the content reconstruction).
    pub(crate) fn has_style_term(&self) -> bool {
        self.task != Task::ReconstructContent
    }

    /// Checks every setting that can be checked without reading a file.
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`] for a size, scale or blend out of range or a
    /// transfer without style images; [`ImpastoError::Loss`] for loss weights or layers.
    /// (Optimizer settings are checked when set: [`OptimizerConfig`]'s configs are valid
    /// by construction.)
    pub fn validate(&self) -> Result<(), ImpastoError> {
        settings::validate(self)
    }

    /// Runs the optimisation on `device` (a plain device such as `Device::flex()`;
    /// autodiff is enabled inside), calling `observer` once per iteration, and returns the
    /// image with the lowest loss seen and the run report.
    ///
    /// An observer that returns [`Control::Stop`](crate::optim::Control::Stop) ends the
    /// run after the current iteration; the result is still the best image so far.
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate); [`ImpastoError::ImageRead`],
    /// [`ImpastoError::ImageDecode`], [`ImpastoError::ImageSize`] for images; weights
    /// errors (see [`WeightsSource::load`]); [`ImpastoError::Vgg`] and
    /// [`ImpastoError::Loss`] when the network cannot take an image (too small);
    /// [`ImpastoError::Optim`] if the device fails.
    pub fn run(
        &self,
        device: &Device,
        observer: &mut impl TransferObserver,
    ) -> Result<TransferOutput, ImpastoError> {
        run::run(self, device, &mut NetworkCache::new(), observer)
    }

    /// [`run`](Self::run), with the network taken from `cache` when the last run through
    /// it used the same one (and kept there for the next run otherwise): for programs
    /// that run many transfers.
    ///
    /// # Errors
    /// Those of [`run`](Self::run).
    pub fn run_cached(
        &self,
        device: &Device,
        cache: &mut NetworkCache,
        observer: &mut impl TransferObserver,
    ) -> Result<TransferOutput, ImpastoError> {
        run::run(self, device, cache, observer)
    }
}
