//! `impasto video`'s options.

use std::path::PathBuf;

use clap::Args;

use super::{BoundsArg, LossWeightArgs, MaxMemoryArg, NetworkArgs, StyleArgs};

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
    /// The style images and how they are taken.
    #[command(flatten)]
    pub styles: StyleArgs,
    /// How the loss weighs content, style and smoothness (the temporal term's weight is
    /// relative to the balance's content scale, or λ_t itself with fixed weights).
    #[command(flatten)]
    pub weights: LossWeightArgs,
    /// The network, its weights and where it runs.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// How the pixels stay in [0, 1].
    #[command(flatten)]
    pub bounds: BoundsArg,
    /// The output frames: a numbered .png or .jpg name (e.g. 'out/%04d.png'); each frame
    /// keeps its input's number. The directory must exist.
    #[arg(long, short, value_name = "PATTERN")]
    pub output: String,
    /// The frames' longest side as stylised, pixels. [default: 512]
    #[arg(long, value_name = "PIXELS")]
    pub size: Option<u32>,
    /// Iterations of the first frame, as one scale at --size. [default: the transfer's
    /// coarse-to-fine schedule (512 px: 150 at 256 px, then 75)]
    #[arg(long, value_name = "N")]
    pub iterations_first: Option<usize>,
    /// Iterations of every later frame, which starts from the previous result warped by
    /// the flow: a refinement, like a multi-scale run's last scale.
    #[arg(long, value_name = "N", default_value_t = impasto::video::DEFAULT_FRAME_ITERATIONS)]
    pub iterations: usize,
    /// ρ_t, the temporal loss's weight relative to the content term's scale (so it means
    /// the same at every size). Higher keeps frames steadier; 0 keeps only the warped
    /// start; 1000 steadier still, with less of the style (docs/video.md). ≥ 0.
    #[arg(
        long,
        value_name = "RHO",
        default_value_t = impasto::transfer::DEFAULT_TEMPORAL_WEIGHT,
        allow_negative_numbers = true
    )]
    pub temporal_weight: f64,
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
    /// The memory budget of each frame.
    #[command(flatten)]
    pub memory: MaxMemoryArg,
}
