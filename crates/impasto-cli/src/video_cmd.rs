//! `impasto video`: numbered frames in, numbered stylised frames out, with temporal
//! consistency; a line per frame, Ctrl-C after the current frame, resumable.

use std::path::Path;
use std::time::Instant;

use impasto::ImpastoError;
use impasto::optim::Control;
use impasto::transfer::Progress;
use impasto::video::{
    FramePattern, FrameProgress, FrameRecord, FrameSequence, VideoObserver, VideoReport,
    VideoTransfer,
};

use crate::args::VideoArgs;
use crate::error::CliError;
use crate::outputs::{probe, same_file};
use crate::progress::{self, number};
use crate::run::Mode;
use crate::{config, interrupt};

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
    let backend = config::backend(args.network.backend)?;
    let device = backend.device()?;
    let mut lines = Lines::new(args.quiet);
    if let Some(note) = config::cpu_only_note(args.network.backend) {
        lines.note(note);
    }
    if matches!(args.network.weights.as_deref(), Some("random")) {
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
    let network = config::network_settings(&args.network)?;
    let loss_weights = config::loss_weights(&args.weights)?;
    let colors = config::colors(&args.styles)?;
    let output = FramePattern::parse(&args.output)?;
    let frames = FrameSequence::from_pattern(&args.frames)?;
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
    let video = VideoTransfer::new(frames, output, config::style_images(&args.styles));
    let video = match range {
        Some((first, last)) => video.with_range(first, last).with_lead_in(args.overlap),
        None => video,
    };
    Ok(video
        .with_transfer(|t| {
            let mut t = config::with_styles(network(t), &args.styles, colors);
            if let Some(bounds) = args.bounds.bounds {
                t = t.with_pixel_bounds(bounds.into());
            }
            if let Some(weights) = loss_weights {
                t = t.with_loss_weights(weights);
            }
            t = args.memory.apply(t);
            match args.size {
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
