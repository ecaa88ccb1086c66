//! `impasto video`: numbered frames in, numbered stylised frames out, with temporal
//! consistency; a line per frame, Ctrl-C after the current frame, resumable.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use impasto::optim::Control;
use impasto::vgg::{InputConvention, Pooling, VggArchitecture};
use impasto::{
    FramePattern, FrameProgress, FrameRecord, FrameSequence, ImageInput, ImpastoError, Progress,
    VideoObserver, VideoReport, VideoTransfer, WeightsSource,
};

use crate::args::{ArchitectureName, BackendName, PoolingName, PreprocessName, StyleScaleArg};
use crate::outputs::{probe, same_file};
use crate::progress::{self, number};
use crate::run::Mode;
use crate::{CliError, config, interrupt};

/// What `--help` adds after the options.
const VIDEO_NOTES: &str = "\
Frames come from and go back to a video with ffmpeg (docs/video.md):
  ffmpeg -i in.mp4 -vf fps=15 in/%04d.png
  impasto video --frames 'in/%04d.png' --style painting.jpg --output 'out/%04d.png'
  ffmpeg -framerate 15 -i out/%04d.png -c:v libx264 -pix_fmt yuv420p out.mp4

A run that stops (Ctrl-C, a crash) resumes when run again: frames whose output exists are
skipped. The first Ctrl-C stops after the current frame is written (exit status 0); a
second one quits at once (exit status 130), writing nothing more.";

/// `impasto video`.
#[derive(Debug, Args)]
#[command(args_override_self = true, after_help = VIDEO_NOTES)]
pub struct VideoArgs {
    /// The input frames: a numbered file name with %d or %0Nd for the frame number (e.g.
    /// 'in/%04d.png', quoted for the shell). The sequence starts at the lowest number
    /// present and must have no gaps; every frame the same size.
    #[arg(long, value_name = "PATTERN")]
    pub frames: String,
    /// A painting whose style the frames take. Repeat the option to blend several styles.
    #[arg(long, value_name = "IMAGE", required = true)]
    pub style: Vec<PathBuf>,
    /// How much of each style image, one weight per --style, separated by commas.
    /// [default: equal weights]
    #[arg(long, value_name = "W,...", value_delimiter = ',')]
    pub style_blend: Option<Vec<f64>>,
    /// How large the style is taken.
    #[command(flatten)]
    pub style_scale: StyleScaleArg,
    /// The output frames: a numbered .png or .jpg name (e.g. 'out/%04d.png'); each frame
    /// keeps its input's number. The directory must exist.
    #[arg(long, short, value_name = "PATTERN")]
    pub output: String,
    /// The network's weights: a VGG file, or `random` (an untrained network, a demo).
    /// [default: the file `impasto weights fetch` downloads]
    #[arg(long, value_name = "PATH|random")]
    pub weights: Option<String>,
    /// The frames' longest side as stylised, pixels. [default: 512]
    #[arg(long, value_name = "PIXELS")]
    pub size: Option<u32>,
    /// Iterations of the first frame, as one scale at --size. [default: the transfer's
    /// coarse-to-fine schedule (512 px: 150 at 256 px, then 75)]
    #[arg(long, value_name = "N")]
    pub iterations_first: Option<usize>,
    /// Iterations of every later frame, which starts from the previous result warped by
    /// the flow: a refinement, like a multi-scale run's last scale.
    #[arg(long, value_name = "N", default_value_t = impasto::DEFAULT_FRAME_ITERATIONS)]
    pub iterations: usize,
    /// ρ_t, the temporal loss's weight relative to the content term's scale (so it means
    /// the same at every size). Higher keeps frames steadier; 0 keeps only the warped
    /// start; 1000 steadier still, with less of the style (docs/video.md). ≥ 0.
    #[arg(
        long,
        value_name = "RHO",
        default_value_t = impasto::DEFAULT_TEMPORAL_WEIGHT,
        allow_negative_numbers = true
    )]
    pub temporal_weight: f64,
    /// Keep each frame's colours: only the luminance takes the style.
    #[arg(long)]
    pub original_colors: bool,
    /// Seed of random weights: the same seed gives the same result.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// The network's architecture. [default: the weights file's; vgg16 for random weights]
    #[arg(long, value_enum, value_name = "NAME")]
    pub architecture: Option<ArchitectureName>,
    /// How the weights expect their input (see `impasto transfer --help`).
    #[arg(long, value_enum, value_name = "CONVENTION")]
    pub preprocess: Option<PreprocessName>,
    /// The network's pooling layers.
    #[arg(long, value_enum, default_value_t = PoolingName::Max)]
    pub pooling: PoolingName,
    /// Where to compute: `auto` picks a GPU (wgpu) when this machine has one, else flex.
    #[arg(long, value_enum, default_value_t = BackendName::Auto)]
    pub backend: BackendName,
    /// Write only the frames from this frame number on (a segment, e.g. for one machine
    /// of many: docs/batch.md). [default: the sequence's first]
    #[arg(long, value_name = "N")]
    pub first: Option<u64>,
    /// Write only the frames up to this frame number. [default: the sequence's last]
    #[arg(long, value_name = "N")]
    pub last: Option<u64>,
    /// With --first: stylise up to this many frames before it without writing them, so
    /// that the segment's first frame starts from a previous result warped by the flow
    /// (not run when --first's output already exists). The seam still shows as one jump
    /// in the strokes' layout (docs/batch.md): prefer long segments.
    #[arg(long, value_name = "FRAMES", default_value_t = 0)]
    pub overlap: usize,
    /// Also write a JSON report with one record per frame, rewritten after every frame.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `impasto video`.
pub fn run(args: &VideoArgs) -> Result<(), CliError> {
    execute(args, Mode::Alone).map(drop)
}

/// Runs the video `args` describe and returns its report. A video stops after the
/// current frame on Ctrl-C in either [`Mode`]: its frames are what a rerun resumes from.
pub fn execute(args: &VideoArgs, mode: Mode) -> Result<VideoReport, CliError> {
    let started = Instant::now();
    let video = video(args)?;
    video.validate()?;
    // The first frame this run writes: with --first, not the sequence's first.
    let (from, to) = video.written_positions()?;
    if let Some(report) = &args.report {
        if same_file(report, &video.output_path(from)) {
            return Err(CliError::new(format!(
                "{} is given for the report and the frames; give the report its own file",
                report.display()
            )));
        }
        probe(report)?;
    }
    probe(&video.output_path(from))?;
    video.check_frames()?;
    // Resolved once: `auto` lists the GPU adapters.
    let backend = config::backend(args.backend);
    let device = backend.device()?;
    let mut lines = Lines::new(args.quiet);
    if let Some(note) = config::cpu_only_note(args.backend) {
        lines.note(note);
    }
    if matches!(args.weights.as_deref(), Some("random")) {
        lines.note(
            "warning: --weights random: the network is untrained (random weights), so this is a \
             demo of the method, not real style transfer; run `impasto weights fetch` for the \
             trained VGG16",
        );
    }
    if video.transfer().network()?.input_assumed() {
        lines.note(
            "the weights file does not say how it expects its input; assuming torchvision's \
             convention. For a caffe-converted file, pass --preprocess caffe",
        );
    }
    let frames = video.frames();
    let first = video.first_stages();
    let first = first
        .iter()
        .map(|s| format!("{} iterations at {} px", s.iterations, s.size))
        .collect::<Vec<_>>()
        .join(" + ");
    let lead_in = if from > 0 && args.overlap > 0 {
        format!(", after {} lead-in frames", args.overlap.min(from))
    } else {
        String::new()
    };
    lines.note(&format!(
        "video: {} frames {} ({} to {}{lead_in}) -> {} (first frame {first}, then {} \
         iterations per frame; backend {})",
        to + 1 - from,
        frames.pattern(),
        frames.path(from).display(),
        frames.path(to).display(),
        args.output,
        args.iterations,
        backend,
    ));

    let quiet = args.quiet;
    let notify: Box<dyn Fn(&str) + Send + Sync> = Box::new(move |message: &str| {
        if !quiet {
            progress::print_line(message);
        }
    });
    if mode == Mode::Alone
        && let Err(why) = interrupt::install(
            args.report.iter().cloned().collect(),
            notify,
            "interrupted: stopping after the current frame is written (press Ctrl-C again to \
             quit at once, writing nothing more); run the same command again to resume",
        )
    {
        lines.note(&format!(
            "warning: Ctrl-C cannot stop the run gracefully ({why}); it will end the program"
        ));
    }
    let report = video.run(&device, &mut lines)?;
    let done = report.frames.iter().filter(|f| !f.skipped).count();
    let skipped = report.frames.len() - done;
    let skipped = if skipped > 0 {
        format!(" ({skipped} already done, skipped)")
    } else {
        String::new()
    };
    let mut written = vec![args.output.clone()];
    written.extend(args.report.iter().map(|p| p.display().to_string()));
    let how = if report.stopped {
        format!(
            "stopped by Ctrl-C after frame {}/{}; run the same command again to resume",
            report.frames.len(),
            to + 1 - from
        )
    } else {
        "all frames done".to_owned()
    };
    lines.note(&format!(
        "done: {done} frame{} stylised{skipped}, {:.1} s, {how}; wrote {}",
        if done == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64(),
        written.join(", ")
    ));
    if report.config.random_weights {
        lines.note("(made with random weights: an untrained network, not real style transfer)");
    }
    lines.flush();
    Ok(report)
}

/// The video the options describe (its frames listed on disk).
pub fn video(args: &VideoArgs) -> Result<VideoTransfer, CliError> {
    let weights = match &args.weights {
        Some(text) if text.trim().is_empty() => {
            return Err(CliError::new(
                "--weights is empty; give a weights file, or `random`",
            ));
        }
        Some(text) => text.parse::<WeightsSource>().unwrap_or_else(|e| match e {}),
        None => WeightsSource::Default,
    };
    let output = FramePattern::parse(&args.output)?;
    let frames = FrameSequence::from_pattern(&args.frames)?;
    let styles = args.style.iter().cloned().map(ImageInput::from).collect();
    let size = args.size;
    if args.overlap > 0 && args.first.is_none() {
        return Err(CliError::new(
            "--overlap only applies with --first (the frames before a segment's first)",
        ));
    }
    let range = match (args.first, args.last) {
        (None, None) => None,
        (first, last) => Some((
            first.unwrap_or(frames.index(0)),
            last.unwrap_or(frames.index(frames.len() - 1)),
        )),
    };
    let video = VideoTransfer::new(frames, output, styles);
    let video = match range {
        Some((first, last)) => video.with_range(first, last).with_lead_in(args.overlap),
        None => video,
    };
    Ok(video
        .with_transfer(|t| {
            let t = t
                .with_weights(weights)
                .with_seed(args.seed)
                .with_style_scale(args.style_scale.style_scale)
                .with_style_blend(args.style_blend.clone())
                .with_original_colors(args.original_colors)
                .with_pooling(match args.pooling {
                    PoolingName::Max => Pooling::Max,
                    PoolingName::Avg => Pooling::Avg,
                })
                .with_architecture(args.architecture.map(|name| match name {
                    ArchitectureName::Vgg16 => VggArchitecture::Vgg16,
                    ArchitectureName::Vgg19 => VggArchitecture::Vgg19,
                }))
                .with_input_convention(args.preprocess.map(|name| match name {
                    PreprocessName::Torchvision => InputConvention::Torchvision,
                    PreprocessName::Caffe => InputConvention::Caffe,
                }));
            match size {
                Some(size) => t.with_size(size),
                None => t,
            }
        })
        .with_iterations_first(args.iterations_first)
        .with_iterations(args.iterations)
        .with_temporal_weight(args.temporal_weight)
        .with_report(args.report.clone()))
}

/// A line per frame; Ctrl-C honoured between frames; writes guarded against a second
/// Ctrl-C. Notices wait until the first frame's first iteration (or its skip): a run that
/// fails before it (a bad weights file, an unreadable image) prints its error alone.
struct Lines {
    quiet: bool,
    pending: Vec<String>,
    started: bool,
}

impl Lines {
    fn new(quiet: bool) -> Self {
        Lines {
            quiet,
            pending: Vec::new(),
            started: false,
        }
    }

    /// A notice, held back until the run has started.
    fn note(&mut self, message: &str) {
        if self.quiet {
            return;
        }
        self.pending.push(message.to_owned());
        if self.started {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.started = true;
        for message in self.pending.drain(..) {
            progress::print_line(&message);
        }
    }
}

impl VideoObserver for Lines {
    fn iteration(&mut self, _frame: FrameProgress, _progress: &Progress<'_>) -> Control {
        if !self.started {
            self.flush();
        }
        // Ctrl-C waits for the frame to finish: a frame is written whole or not at all.
        Control::Continue
    }

    fn frame_done(&mut self, frame: FrameProgress, record: &FrameRecord) -> Control {
        self.flush();
        if !self.quiet {
            progress::print_line(&frame_line(frame, record));
        }
        if interrupt::stop_requested() {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    fn write(
        &mut self,
        path: &Path,
        write: &mut dyn FnMut() -> Result<(), ImpastoError>,
    ) -> Result<(), ImpastoError> {
        interrupt::writing(path, write)
    }
}

/// `frame 3/30: 75 iterations, loss 1.234e4, temporal 2.1e-4, 96 % reliable flow, 12.3 s
/// (in/0003.png)`.
fn frame_line(frame: FrameProgress, record: &FrameRecord) -> String {
    let (n, frames) = (frame.position + 1, frame.frames);
    if record.skipped {
        return format!("frame {n}/{frames}: skipped, {} exists", record.output);
    }
    let temporal = match (record.temporal_weight, record.temporal) {
        (Some(_), Some(t)) => format!(
            ", temporal {}, {:.0} % reliable flow",
            number(t),
            100.0 * record.reliable_fraction.unwrap_or(0.0)
        ),
        _ => String::new(),
    };
    format!(
        "frame {n}/{frames}: {} iteration{}, loss {}{temporal}, {:.1} s ({})",
        record.iterations,
        if record.iterations == 1 { "" } else { "s" },
        number(record.loss.unwrap_or(f64::NAN)),
        record.seconds,
        record.input,
    )
}
