//! The command line, as clap parses it: subcommands, options, and their help texts.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

mod batch;
mod options;
mod serve;
mod video;

pub use batch::BatchArgs;
pub use options::{
    BackendName, BoundsArg, LineSearchName, LossWeightArgs, MaxMemoryArg, NetworkArgs,
    OptimizerName, StyleArgs, StyleScaleArg,
};
pub use serve::ServeArgs;
pub use video::VideoArgs;

/// The examples at the end of `impasto --help`.
const EXAMPLES: &str = "\
Examples:
  # once: download torchvision's trained VGG16 (528 MB) into your cache
  impasto weights fetch
  # paint photo.jpg in the style of painting.jpg, 512 px on its longest side
  impasto transfer --content photo.jpg --style painting.jpg --output out.png
  # a video, as numbered frames (ffmpeg -i in.mp4 in/%04d.png), resumable
  impasto video --frames 'in/%04d.png' --style painting.jpg --output 'out/%04d.png'
  # many jobs, one JSON object per line; shard 0 of 4 (resumable)
  impasto batch jobs.jsonl --out-dir results --shard 0/4
  # a web page on this machine: upload, watch, download
  impasto serve

  # without downloading anything: an untrained network, a demo only
  impasto transfer --content assets/content.png --style assets/style.png \\
      --output out.png --weights random --size 128 --iterations 50

Run `impasto <command> --help` for every option of a command.";

/// impasto: neural style transfer (Gatys, Ecker & Bethge).
#[derive(Debug, Parser)]
#[command(
    name = "impasto",
    version,
    about = "Neural style transfer: repaint a photo in the style of a painting",
    long_about = "Neural style transfer (Gatys, Ecker & Bethge, 2015): repaint a photo in the \
                  style of a painting. impasto starts from noise (or the photo) and changes \
                  the image, pixel by pixel, until the features a VGG16 network sees in it \
                  match the photo's (content) and the correlations of its features match the \
                  painting's (style). It also runs the paper's reconstruction experiments.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Paint a content image in the style of one or more style images.
    Transfer(TransferArgs),
    /// Stylise numbered video frames with temporal consistency (Ruder et al. 2016): each
    /// frame starts from the previous result warped by the optical flow.
    Video(VideoArgs),
    /// Run many transfers (or video segments) from a JSON Lines file: one shard of them,
    /// skipping those whose output exists, a line per job and a summary.
    Batch(BatchArgs),
    /// Serve a web page and a JSON API on this machine: upload a photo and paintings,
    /// watch the image form, download the result. Jobs run one at a time.
    Serve(ServeArgs),
    /// The paper's reconstruction experiments: what one layer keeps of an image.
    #[command(subcommand)]
    Reconstruct(Reconstruct),
    /// Get the trained VGG16 weights, or see where impasto looks for them.
    #[command(subcommand)]
    Weights(WeightsCommand),
}

/// `impasto reconstruct content|style`.
#[derive(Debug, Subcommand)]
pub enum Reconstruct {
    /// Rebuild an image from noise using only its features at one layer: low layers give
    /// the image back almost exactly, high layers keep its layout and lose its details.
    Content(ReconstructContentArgs),
    /// Rebuild only the "style" of an image (its Gram matrices at some layers): a texture
    /// with the image's colours and strokes and none of its arrangement.
    Style(ReconstructStyleArgs),
}

/// `impasto weights fetch|path`.
#[derive(Debug, Subcommand)]
pub enum WeightsCommand {
    /// Download trained VGG weights into impasto's cache and check their SHA-256 where it
    /// is confirmed: by default torchvision's VGG16 (vgg16-397923af.pth, 528 MB, to
    /// $IMPASTO_WEIGHTS if set). An interrupted download resumes when run again.
    Fetch(FetchArgs),
    /// Print where impasto looks for the weights, and whether the file is there.
    Path,
}

/// `impasto weights fetch`.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct FetchArgs {
    /// Which file: torchvision-vgg16, torchvision-vgg19, or the caffe conversions
    /// caffe-vgg16 and caffe-vgg19 (their checksums are not confirmed: see
    /// docs/weights.md). Use the file with --weights PATH; its name tells impasto its
    /// architecture and input convention.
    #[arg(long, value_name = "NAME", default_value = "torchvision-vgg16")]
    pub file: impasto::weights::PublishedWeights,
    /// Download from this address instead of torchvision's (for tests and mirrors).
    #[arg(long, hide = true, value_name = "URL")]
    pub url: Option<String>,
    /// The hex digits the file's SHA-256 must start with (for tests and mirrors).
    #[arg(long, hide = true, value_name = "HEX")]
    pub sha256_prefix: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What `--help` of the three runs adds after the options.
const RUN_NOTES: &str = "\
While it runs: a progress bar on a terminal, `iter = N loss = X` lines otherwise. Ctrl-C
stops after the current iteration and still writes the best image so far, the report and
the plot (exit status 0); a second Ctrl-C quits at once (exit status 130), writing nothing.

Example (no weights needed: an untrained network, a demo only):
  impasto transfer --content assets/content.png --style assets/style.png --output out.png \\
      --weights random --size 128 --iterations 50 --report run.json --plot loss.png";

/// `impasto transfer`.
#[derive(Debug, Args)]
#[command(args_override_self = true, after_help = RUN_NOTES)]
pub struct TransferArgs {
    /// The photo whose content (arrangement, objects) the result keeps. JPEG, PNG, WebP,
    /// BMP or TIFF.
    #[arg(long, value_name = "IMAGE")]
    pub content: PathBuf,
    /// The style images and how they are taken.
    #[command(flatten)]
    pub styles: StyleArgs,
    /// How the loss weighs content, style and smoothness.
    #[command(flatten)]
    pub weights: LossWeightArgs,
    /// The layers whose features define content, separated by commas. [default: relu4_2]
    #[arg(long, value_name = "LAYER,...", value_delimiter = ',')]
    pub content_layers: Option<Vec<String>>,
    /// The layers whose Gram matrices define style, separated by commas.
    /// [default: relu1_1,relu2_1,relu3_1,relu4_1,relu5_1]
    #[arg(long, value_name = "LAYER,...", value_delimiter = ',')]
    pub style_layers: Option<Vec<String>>,
    /// One weight per style layer, in the same order, separated by commas; each ≥ 0.
    /// [default: 1/(number of style layers) each]
    #[arg(
        long,
        value_name = "W,...",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub style_layer_weights: Option<Vec<f64>>,
    /// Where to write the result, and how to run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `impasto reconstruct content`.
#[derive(Debug, Args)]
#[command(args_override_self = true, after_help = RUN_NOTES)]
pub struct ReconstructContentArgs {
    /// The image to reconstruct.
    #[arg(long, value_name = "IMAGE")]
    pub image: PathBuf,
    /// The layer whose features are matched (paper names: conv1_1, relu1_1, …, pool5).
    #[arg(long, value_name = "LAYER", default_value = "relu4_2")]
    pub layer: String,
    /// γ, the weight of the total-variation loss, which smooths pixel noise. ≥ 0.
    /// [default: 0]
    #[arg(long, value_name = "GAMMA", allow_negative_numbers = true)]
    pub tv_weight: Option<f64>,
    /// Where to write the result, and how to run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `impasto reconstruct style`.
#[derive(Debug, Args)]
#[command(args_override_self = true, after_help = RUN_NOTES)]
pub struct ReconstructStyleArgs {
    /// The image whose style is reconstructed.
    #[arg(long, value_name = "IMAGE")]
    pub image: PathBuf,
    /// The layers whose Gram matrices are matched, separated by commas; the paper shows
    /// relu1_1, then relu1_1,relu2_1, and so on up to relu5_1.
    #[arg(
        long,
        value_name = "LAYER,...",
        value_delimiter = ',',
        default_value = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"
    )]
    pub layers: Vec<String>,
    /// One weight per layer, in the same order, separated by commas; each ≥ 0.
    /// [default: 1/(number of layers) each]
    #[arg(
        long,
        value_name = "W,...",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub layer_weights: Option<Vec<f64>>,
    /// How large the style is taken.
    #[command(flatten)]
    pub style_scale: StyleScaleArg,
    /// γ, the weight of the total-variation loss, which smooths pixel noise. ≥ 0.
    /// [default: 0]
    #[arg(long, value_name = "GAMMA", allow_negative_numbers = true)]
    pub tv_weight: Option<f64>,
    /// Where to write the result, and how to run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The options every run shares: output, network, optimisation, and what to show.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where to write the result: a .png, .jpg or .jpeg file (written whole or not at all).
    /// Required, but with --plan, which writes nothing.
    #[arg(long, short, value_name = "FILE", required_unless_present = "plan")]
    pub output: Option<PathBuf>,
    /// The network, its weights and where it runs.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// The result's longest side in pixels; the aspect ratio is kept. 1 to 16384 (the
    /// default layers need at least 16). Time grows with the number of pixels.
    /// [default: 512]
    #[arg(long, value_name = "PIXELS")]
    pub size: Option<u32>,
    /// Coarse to fine: optimise at each of these longest sides in turn (growing), each
    /// scale starting from the previous one's result resized; the last is the result's
    /// size. E.g. 256,512,1024. [default for transfer: --size halved while the half is at
    /// least 256 (512: 256,512; 1024: 256,512,1024); for reconstructions: only --size]
    #[arg(long, value_name = "PIXELS,...", value_delimiter = ',')]
    pub scales: Option<Vec<u32>>,
    /// The number of optimizer iterations; 0 only evaluates the starting image. Without
    /// --scales, one number is the whole run's: every scale of the default schedule gets
    /// its share (a shorter or longer run of the same method). With --scales: one number
    /// for every scale, or one per scale (e.g. 300,200,100). [default: 150 at the first
    /// scale, at the last in inverse proportion to its side, half that in between
    /// (512 px: 150,75, 225 in all; 1024 px: 150,38,38); 500 for reconstructions]
    #[arg(long, value_name = "N[,N...]", value_delimiter = ',')]
    pub iterations: Vec<usize>,
    /// Where the optimisation starts: `noise` (the paper's choice), `content`, `style`, or
    /// the path of an image. [default: content for transfer, noise for reconstructions]
    #[arg(long, value_name = "noise|content|style|PATH")]
    pub init: Option<String>,
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerName::Lbfgs)]
    pub optimizer: OptimizerName,
    /// How the pixels stay in [0, 1].
    #[command(flatten)]
    pub bounds: BoundsArg,
    /// L-BFGS only: how many past steps approximate the curvature. 1 to 1000.
    /// [default: 10]
    #[arg(long, value_name = "M")]
    pub history: Option<usize>,
    /// L-BFGS only: how the step length is chosen. [default: strong-wolfe]
    #[arg(long, value_enum)]
    pub line_search: Option<LineSearchName>,
    /// The step size of gd and adam (default 0.001), or of L-BFGS with --line-search none
    /// (default 1). Must be > 0.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub learning_rate: Option<f64>,
    /// Also write a JSON report: the resolved settings, every iteration's losses,
    /// gradient norm and time, and how the run ended.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Also draw the loss per iteration (log scale: total, content, style, tv) as a PNG.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Also save the image every N iterations, next to --output with the iteration in
    /// its name (out-0010.png, out-0020.png, …; with --scales, the scale too:
    /// out-256px-0010.png).
    #[arg(long, value_name = "N")]
    pub save_every: Option<usize>,
    /// When the output is not a terminal, print `iter = N loss = X` every N iterations
    /// (and always the last). On a terminal a progress bar shows instead.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub print_every: usize,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// The memory budget.
    #[command(flatten)]
    pub memory: MaxMemoryArg,
    /// Print the plan and exit without running: per scale the size, iterations, whether
    /// it is tiled, the L-BFGS history, and the predicted peak memory and time (from a
    /// few seconds' calibration on this machine). Writes nothing.
    #[arg(long)]
    pub plan: bool,
}

impl RunArgs {
    /// The result's path. Clap asks for `--output` unless `--plan` is given, and a plan
    /// writes nothing, so the empty path stands only where nothing will be written (a
    /// run refuses `--plan` before it opens a file).
    pub fn output(&self) -> &Path {
        self.output.as_deref().unwrap_or(Path::new(""))
    }
}
