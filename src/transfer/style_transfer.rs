//! [`StyleTransfer`]: what to optimise (images, network, loss, schedule, optimizer), set
//! by `with_*` builders; and [`Task`], which experiment.

use impasto_loss::{DEFAULT_STYLE_WEIGHT, LossWeights, TotalLossConfig};
use impasto_optim::LbfgsConfig;
use impasto_vgg::{InputConvention, Pooling, VggArchitecture, VggLayer};

use super::inputs::{ImageInput, Init};
use super::optimizer::OptimizerConfig;
use super::pixel_bounds::PixelBounds;
use super::stages::{Schedule, Stage};
use super::style_regions::StyleRegions;
use super::temporal::TemporalTerm;
use crate::color_match::Colors;
use crate::{ImpastoError, WeightsSource};

/// Default longest side of the result, pixels.
pub const DEFAULT_SIZE: u32 = 512;
/// Iteration limit of a single-scale run nobody set one for: the reconstructions'. A
/// transfer runs [`default_schedule`](super::default_schedule) instead.
pub const DEFAULT_ITERATIONS: usize = 500;

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
/// | [`schedule`](Self::with_schedule) | transfer: [`Schedule::Auto`], [`default_schedule`](super::default_schedule) of the size (512 px: 256 × 150 iterations, 512 × 75); reconstructions: one stage of 500 | sizes growing, coarse stages ≥ 1 iteration |
/// | [`iterations`](Self::with_iterations) | the schedule's (225 at 512 px); setting it scales every stage | any; 0 evaluates the initial image only |
/// | [`loss_weights`](Self::with_loss_weights) | transfer: [`LossWeights::BALANCED`] (style strength 30, tv 0.5); reconstructions: fixed, one term | see [`LossWeights`] |
/// | [`style_strength`](Self::with_style_strength) | 30 (the balance's style ratio) | finite, ≥ 0 |
/// | [`content_layers`](Self::with_content_layers), [`style_layers`](Self::with_style_layers), [`style_layer_weights`](Self::with_style_layer_weights) | `relu4_2`; `relu1_1..relu5_1`; `w_l = 1/5` | non-empty, no repeats; one weight per style layer, ≥ 0 |
/// | [`style_scale`](Self::with_style_scale) | 1.0 | finite, > 0; `size × style_scale` ≤ 16384 |
/// | [`style_blend`](Self::with_style_blend) | equal weights | one per style image, finite, ≥ 0, not all 0 |
/// | [`init`](Self::with_init) | [`Init::Content`] for a transfer, [`Init::Noise`] for the reconstructions | |
/// | [`seed`](Self::with_seed) | 0 (noise and random weights) | any |
/// | [`optimizer`](Self::with_optimizer) | L-BFGS, m = 10, strong Wolfe | see [`OptimizerConfig`] |
/// | [`pooling`](Self::with_pooling) | max | max or avg |
/// | [`colors`](Self::with_colors) | [`Colors::Style`]: the painting's | see [`Colors`]; [`with_original_colors`](Self::with_original_colors) is `Photo` |
/// | [`pixel_bounds`](Self::with_pixel_bounds) | [`PixelBounds::Box`]: minimised within [0, 1] | see [`PixelBounds`] |
/// | [`style_masks`](Self::with_style_masks), [`regions`](Self::with_regions) | [`StyleRegions::Whole`]: every style everywhere | one mask per style, not all black; regions ≥ 1 and ≥ the styles |
/// | [`max_memory`](Self::with_max_memory) | a third of the machine's memory ([`default_memory_budget`](super::default_memory_budget)) | > 0 bytes |
///
/// [`plan`](Self::plan) resolves all of it into the stages, weights and network a run
/// uses.
///
/// # Example
/// ```
/// use burn::tensor::Device;
/// use impasto::transfer::ImageInput;
/// use impasto::{StyleTransfer, WeightsSource};
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
    /// The result's size and the stages that lead to it.
    pub(crate) schedule: Schedule,
    pub(crate) style_scale: f64,
    /// The loss's layers and per-layer style weights (its α, β, γ are resolved per stage
    /// from `loss_weights`).
    pub(crate) layers: TotalLossConfig,
    pub(crate) loss_weights: LossWeights,
    pub(crate) architecture: Option<VggArchitecture>,
    pub(crate) input: Option<InputConvention>,
    pub(crate) init: Init,
    pub(crate) seed: u64,
    pub(crate) optimizer: OptimizerConfig,
    pub(crate) pooling: Pooling,
    pub(crate) colors: Colors,
    pub(crate) pixel_bounds: PixelBounds,
    /// Where each style paints.
    pub(crate) regions: StyleRegions,
    /// A video frame's temporal-consistency term (single-scale runs only).
    pub(crate) temporal: Option<TemporalTerm>,
    /// The memory budget, bytes; `None`: the default.
    pub(crate) max_memory: Option<u64>,
    /// Tiles of this core whatever the budget; `None`: as the budget decides.
    pub(crate) tile_core: Option<usize>,
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
            LossWeights::BALANCED,
        )
    }

    /// The paper's content reconstruction: from noise, minimise only the content loss of
    /// `image` at `layer` (α = 1, no style term, γ = 0). Lower layers give back the image
    /// almost exactly; higher ones keep its arrangement and lose its pixels.
    pub fn reconstruct_content(image: impl Into<ImageInput>, layer: VggLayer) -> Self {
        let layers = TotalLossConfig::new().with_content_layers(vec![layer]);
        let weights = LossWeights::Fixed {
            content: 1.0,
            style: 0.0,
            tv: 0.0,
        };
        Self::with_parts(
            Task::ReconstructContent,
            Some(image.into()),
            Vec::new(),
            layers,
            weights,
        )
    }

    /// The paper's style reconstruction: from noise, minimise only the style loss of
    /// `image` on `layers` (β at its default, equal layer weights, no content term,
    /// γ = 0): a texture with the image's Gram matrices and none of its arrangement.
    pub fn reconstruct_style(image: impl Into<ImageInput>, layers: Vec<VggLayer>) -> Self {
        let layers = TotalLossConfig::new().with_style_layers(layers);
        let weights = LossWeights::Fixed {
            content: 0.0,
            style: DEFAULT_STYLE_WEIGHT,
            tv: 0.0,
        };
        Self::with_parts(
            Task::ReconstructStyle,
            None,
            vec![image.into()],
            layers,
            weights,
        )
    }

    fn with_parts(
        task: Task,
        content: Option<ImageInput>,
        styles: Vec<ImageInput>,
        layers: TotalLossConfig,
        loss_weights: LossWeights,
    ) -> Self {
        Self {
            task,
            content,
            styles,
            style_blend: None,
            weights: WeightsSource::Default,
            // Measured with trained weights (docs/benchmarks.md, "Multi-scale runs"): the
            // balance of a 256-px run at every size, in a fraction of the time.
            schedule: match task {
                Task::Transfer => Schedule::Auto {
                    size: DEFAULT_SIZE,
                    iterations: None,
                },
                _ => Schedule::single(DEFAULT_SIZE, DEFAULT_ITERATIONS),
            },
            style_scale: 1.0,
            layers,
            loss_weights,
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
            optimizer: OptimizerConfig::Lbfgs(LbfgsConfig::default()),
            pooling: Pooling::Max,
            colors: Colors::Style,
            pixel_bounds: PixelBounds::Box,
            regions: StyleRegions::Whole,
            temporal: None,
            max_memory: None,
            tile_core: None,
        }
    }

    /// The memory the run may take, bytes: each stage is evaluated whole where that fits,
    /// tile by tile where it does not (the same result, more time), and the L-BFGS
    /// history is shortened only where even small tiles do not fit
    /// ([`StageMemory`](super::StageMemory)); a run that cannot fit is refused before it
    /// starts. Default: [`default_memory_budget`](super::default_memory_budget).
    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = Some(bytes);
        self
    }

    /// Evaluates every stage larger than `core` pixels tile by tile with cores of `core`
    /// pixels (a positive multiple of 16, the deepest default layer's stride), whatever
    /// the budget would choose: the same result in more time. For tests and
    /// measurements; a run is tiled by [`with_max_memory`](Self::with_max_memory) where
    /// it needs to be.
    pub fn with_tile_core(mut self, core: usize) -> Self {
        self.tile_core = Some(core);
        self
    }

    /// The budget a run keeps to: [`with_max_memory`](Self::with_max_memory)'s, or the
    /// default (`None` where the machine's memory cannot be read: no limit).
    pub fn memory_budget(&self) -> Option<u64> {
        self.max_memory.or_else(super::default_memory_budget)
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
    /// is not resampled). Default 512; 1 ..= 16384. The automatic schedule follows it; of
    /// stated stages ([`with_stages`](Self::with_stages)) the last takes it.
    pub fn with_size(mut self, size: u32) -> Self {
        self.schedule = self.schedule.with_size(size);
        self
    }

    /// Optimises at each stage's size in turn, coarse to fine: shorthand for
    /// [`with_schedule`](Self::with_schedule)`(Schedule::Stages(stages))`. Sizes must
    /// grow from stage to stage; each stage before the last needs an iteration.
    ///
    /// ```
    /// use impasto::transfer::{Stage, StyleTransfer};
    /// # let (photo, painting) = ("photo.jpg", "painting.jpg");
    /// let transfer = StyleTransfer::new(photo, vec![painting.into()])
    ///     .with_stages(vec![Stage::new(256, 200), Stage::new(512, 100)]);
    /// assert_eq!(transfer.stages(), vec![Stage::new(256, 200), Stage::new(512, 100)]);
    /// assert_eq!(transfer.total_iterations(), 300);
    /// ```
    pub fn with_stages(self, stages: Vec<Stage>) -> Self {
        self.with_schedule(Schedule::Stages(stages))
    }

    /// How many iterations at which sizes (see [`Schedule`]). Default for a transfer
    /// [`Schedule::Auto`] at 512 px; for the reconstructions one stage of
    /// [`DEFAULT_ITERATIONS`] at 512 px.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
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

    /// How the loss weighs its terms: a balance against each term's scale (a transfer's
    /// default, [`LossWeights::BALANCED`]), or fixed α, β, γ used as given (the
    /// reconstructions': their one term). The run uses exactly these; the report records
    /// them and the α, β, γ they resolve to at each stage.
    pub fn with_loss_weights(mut self, weights: LossWeights) -> Self {
        self.loss_weights = weights;
        self
    }

    /// "More paint" or "more photo" without losing the size independence: a balance
    /// whose style term weighs `strength` times the content term, each over its scale
    /// (default 30; finite, ≥ 0). It keeps a balance's total-variation ratio, and replaces
    /// fixed weights with the default balance's.
    pub fn with_style_strength(mut self, strength: f64) -> Self {
        let tv = match self.loss_weights {
            LossWeights::Balanced { tv, .. } => tv,
            LossWeights::Fixed { .. } => impasto_loss::DEFAULT_TV_STRENGTH,
        };
        self.loss_weights = LossWeights::Balanced {
            style: strength,
            tv,
        };
        self
    }

    /// The layers whose features define content. Default `[relu4_2]`; non-empty, no
    /// repeats.
    pub fn with_content_layers(mut self, layers: Vec<VggLayer>) -> Self {
        self.layers.content_layers = layers;
        self
    }

    /// The layers whose Gram matrices define style. Default `relu1_1` to `relu5_1`;
    /// non-empty, no repeats.
    pub fn with_style_layers(mut self, layers: Vec<VggLayer>) -> Self {
        self.layers.style_layers = layers;
        self
    }

    /// The style layers' weights `w_l`, one per style layer in the same order, each
    /// finite and ≥ 0. Default `None`: `1/|S|` each.
    pub fn with_style_layer_weights(mut self, weights: Option<Vec<f64>>) -> Self {
        self.layers.style_layer_weights = weights;
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

    /// The iterations over the whole run; they replace the optimizer config's own limit.
    /// The schedule keeps its stages, each scaled in proportion
    /// ([`scale_iterations`](super::scale_iterations)): the same method, run longer or shorter (fewer iterations
    /// than stages run the last stage only). 0 evaluates the initial image only. For one
    /// stage at one size, use [`with_schedule`](Self::with_schedule) and
    /// [`Schedule::single`]. Unless L-BFGS's evaluation limit was set, that limit follows
    /// each stage's iterations by [`LbfgsConfig::max_evaluations`]'s rule.
    pub fn with_iterations(mut self, iterations: usize) -> Self {
        self.schedule = self.schedule.with_iterations(iterations);
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
        self.colors = if original_colors {
            Colors::Photo
        } else {
            Colors::Style
        };
        self
    }

    /// Which colours the result has: the painting's, the photo's put back after the run,
    /// a luminance-only transfer, or the painting recoloured to the photo's palette
    /// before it (Gatys et al. 2017; see [`Colors`]). Default [`Colors::Style`].
    pub fn with_colors(mut self, colors: Colors) -> Self {
        self.colors = colors;
        self
    }

    /// How the pixels are kept in [0, 1]. Default [`PixelBounds::Box`]: the optimizer
    /// works within the box, so the picture saved is the picture optimised (up to 8-bit
    /// rounding); [`PixelBounds::None`] runs unconstrained and the save clamps.
    pub fn with_pixel_bounds(mut self, pixel_bounds: PixelBounds) -> Self {
        self.pixel_bounds = pixel_bounds;
        self
    }

    /// Adds a video frame's temporal-consistency term to the loss (Ruder et al. 2016; see
    /// [`TemporalTerm`]). Default `None`. Needs a single-scale run whose image is the
    /// term's size.
    pub fn with_temporal(mut self, temporal: Option<TemporalTerm>) -> Self {
        self.temporal = temporal;
        self
    }

    /// How the pixels are kept in [0, 1] (see [`with_pixel_bounds`](Self::with_pixel_bounds)).
    pub fn pixel_bounds(&self) -> PixelBounds {
        self.pixel_bounds
    }

    /// Which colours the result has (see [`with_colors`](Self::with_colors)).
    pub fn colors(&self) -> Colors {
        self.colors
    }

    /// How the loss weighs its terms.
    pub fn loss_weights(&self) -> LossWeights {
        self.loss_weights
    }

    /// The schedule as set.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The network the run will use: the architecture and input convention stated, or
    /// told by the weights file (see [`WeightsSource::choose_network`]).
    ///
    /// # Errors
    /// Those of [`WeightsSource::choose_network`].
    pub fn network(&self) -> Result<crate::NetworkChoice, ImpastoError> {
        self.weights.choose_network(self.architecture, self.input)
    }

    /// The stages the run goes through, the result's size last.
    pub fn stages(&self) -> Vec<Stage> {
        self.schedule.stages()
    }

    /// Iterations over all stages.
    pub fn total_iterations(&self) -> usize {
        self.stages().iter().map(|s| s.iterations).sum()
    }

    /// Whether the loss has a content term (every task but the style reconstruction).
    pub(crate) fn has_content_term(&self) -> bool {
        self.content.is_some()
    }

    /// Whether the loss has a style term (every task but the content reconstruction).
    pub(crate) fn has_style_term(&self) -> bool {
        self.task != Task::ReconstructContent
    }
}
