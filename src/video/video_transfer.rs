//! [`VideoTransfer`]: which frames, which output, the transfer every frame shares, and
//! the temporal term's settings.

use std::path::{Path, PathBuf};

use impasto_flow::DisConfig;

use super::frames::{FramePattern, FrameSequence};
use crate::transfer::DEFAULT_TEMPORAL_WEIGHT;
use crate::{ImageInput, ImpastoError, StyleTransfer, WeightsSource};

/// Iterations of every frame after the first, by default.
///
/// Such a frame starts from the previous result warped by the flow, already stylised
/// wherever the flow is reliable: it is a refinement, like the last stage of a
/// multi-scale run, which [`default_schedule`](crate::transfer::default_schedule) gives 75
/// iterations at 512 px from an upsampled, already stylised start. Measured with it
/// (docs/video.md): at the default temporal weight the frames' style loss is within 6 %
/// of a 150-iteration transfer of each frame, in half its time; other counts have not
/// been compared.
pub const DEFAULT_FRAME_ITERATIONS: usize = 75;

/// A video to stylise: numbered input frames, numbered output frames, style images, and
/// the settings of every frame's transfer.
///
/// The first frame is a normal transfer ([`StyleTransfer`]'s default schedule, or
/// [`with_iterations_first`](Self::with_iterations_first)). Every later frame starts from
/// the previous result warped into it by the optical flow (pixels the flow cannot bring,
/// the disoccluded ones, from the frame itself), and its loss gains the temporal term
/// ([`TemporalTerm`](crate::transfer::TemporalTerm)) weighted by the forward–backward consistency
/// masks; it runs [`with_iterations`](Self::with_iterations) iterations at the frame
/// size.
///
/// A run resumes: a frame whose output file exists is skipped (recorded as such) and
/// read back as the next frame's previous result. Outputs are written atomically.
///
/// ```no_run
/// use burn::tensor::Device;
/// use impasto::VideoTransfer;
/// use impasto::video::{FramePattern, FrameSequence};
///
/// let frames = FrameSequence::from_pattern("in/%04d.png")?;
/// let output = FramePattern::parse("out/%04d.png")?;
/// let report = VideoTransfer::new(frames, output, vec!["style.jpg".into()])
///     .with_size(384)
///     .with_report(Some("video.json".into()))
///     .run(&Device::flex(), &mut ())?;
/// println!("{} frames", report.frames.len());
/// # Ok::<(), impasto::ImpastoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VideoTransfer {
    pub(super) frames: FrameSequence,
    pub(super) output: FramePattern,
    /// Every frame's settings; its content is replaced by each frame.
    pub(super) template: StyleTransfer,
    pub(super) iterations_first: Option<usize>,
    pub(super) iterations: usize,
    pub(super) temporal_weight: f64,
    pub(super) flow: DisConfig,
    pub(super) report: Option<PathBuf>,
    /// The frame numbers to write, first and last; `None` for the whole sequence.
    pub(super) range: Option<(u64, u64)>,
    /// Frames before the range stylised (not written) to give its first frame a
    /// previous result.
    pub(super) lead_in: usize,
}

impl VideoTransfer {
    /// `frames` in the style of `styles`, written to `output` (frame number for frame
    /// number), every setting at its default.
    pub fn new(frames: FrameSequence, output: FramePattern, styles: Vec<ImageInput>) -> Self {
        let template = StyleTransfer::new(frames.path(0), styles);
        Self {
            frames,
            output,
            template,
            iterations_first: None,
            iterations: DEFAULT_FRAME_ITERATIONS,
            temporal_weight: DEFAULT_TEMPORAL_WEIGHT,
            flow: DisConfig::default(),
            report: None,
            range: None,
            lead_in: 0,
        }
    }

    /// Changes every frame's transfer settings: weights, size, style scale and blend,
    /// loss and balance, optimizer, pooling, network, seed, original colours. The
    /// content, the start, the iterations and the temporal term are the video's and are
    /// set per frame; stages set here apply to the first frame when
    /// [`with_iterations_first`](Self::with_iterations_first) is not given.
    pub fn with_transfer(mut self, settings: impl FnOnce(StyleTransfer) -> StyleTransfer) -> Self {
        self.template = settings(self.template);
        self
    }

    /// The network's weights. Default [`WeightsSource::Default`].
    pub fn with_weights(self, weights: WeightsSource) -> Self {
        self.with_transfer(|t| t.with_weights(weights))
    }

    /// The frames' longest side as stylised (aspect kept). Default 512.
    pub fn with_size(self, size: u32) -> Self {
        self.with_transfer(|t| t.with_size(size))
    }

    /// Seed of random weights and noise. Default 0.
    pub fn with_seed(self, seed: u64) -> Self {
        self.with_transfer(|t| t.with_seed(seed))
    }

    /// The first frame's iterations, as one stage at the frame size. Default `None`: the
    /// transfer's default schedule (coarse to fine from 512 px).
    pub fn with_iterations_first(mut self, iterations: Option<usize>) -> Self {
        self.iterations_first = iterations;
        self
    }

    /// Iterations of every later frame. Default [`DEFAULT_FRAME_ITERATIONS`].
    pub fn with_iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// The temporal weight: ρ_t, relative to the content term's scale, when the loss is
    /// balanced (the default); the coefficient λ_t itself when the loss weights are given
    /// ([`TemporalTerm::weight`](crate::transfer::TemporalTerm::weight)). Default
    /// [`DEFAULT_TEMPORAL_WEIGHT`]. Finite, ≥ 0; 0 keeps only the warped
    /// start.
    pub fn with_temporal_weight(mut self, weight: f64) -> Self {
        self.temporal_weight = weight;
        self
    }

    /// The optical flow's settings. Default [`DisConfig::default`] (DIS, medium preset).
    pub fn with_flow(mut self, flow: DisConfig) -> Self {
        self.flow = flow;
        self
    }

    /// Also write the JSON report here, after every frame. Default `None`.
    pub fn with_report(mut self, path: Option<PathBuf>) -> Self {
        self.report = path;
        self
    }

    /// Writes only the frames numbered `first..=last` (frame numbers, as in the file
    /// names): a segment of the sequence, for splitting a long video across machines.
    /// Default: every frame. Segments run separately do not join seamlessly: each
    /// starts from its own fresh transfer, which lays the strokes out anew (with or
    /// without [`with_lead_in`](Self::with_lead_in); the jump at a seam measured in
    /// docs/batch.md is as large as between independently stylised frames).
    pub fn with_range(mut self, first: u64, last: u64) -> Self {
        self.range = Some((first, last));
        self
    }

    /// Stylises up to `frames` frames before the range's first one (fewer where the
    /// sequence starts sooner), without writing them: the first of them is a first frame,
    /// and each later one, the range's first included, starts from the previous result
    /// warped by the flow, as in one sequential run. When the range's first output
    /// already exists (a resumed segment), the lead-in is not needed and not run.
    /// Default 0. (It gives the range's first frame a warped start and a temporal term;
    /// it does not make the range continue another segment's strokes.)
    pub fn with_lead_in(mut self, frames: usize) -> Self {
        self.lead_in = frames;
        self
    }

    /// The positions (from 0, in [`frames`](Self::frames)) of the first and last frame
    /// to write: the range's, or the whole sequence.
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`] for a range not within the sequence, or with its
    /// first frame after its last.
    pub fn written_positions(&self) -> Result<(usize, usize), ImpastoError> {
        let count = self.frames.len();
        let Some((first, last)) = self.range else {
            return Ok((0, count.saturating_sub(1)));
        };
        let (lowest, highest) = (self.frames.index(0), self.frames.index(count - 1));
        if first > last {
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::FrameRange,
                reason: format!("the first frame {first} is after the last {last}"),
            });
        }
        if first < lowest || last > highest {
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::FrameRange,
                reason: format!(
                    "frames {first} to {last} are not all in the sequence, which has frames \
                     {lowest} to {highest}"
                ),
            });
        }
        // Both within `lowest..=highest`, whose length is a usize.
        Ok(((first - lowest) as usize, (last - lowest) as usize))
    }

    /// The input frames.
    pub fn frames(&self) -> &FrameSequence {
        &self.frames
    }

    /// The output file of the `position`-th frame.
    pub fn output_path(&self, position: usize) -> PathBuf {
        self.output.path(self.frames.index(position))
    }

    /// The transfer settings every frame shares.
    pub fn transfer(&self) -> &StyleTransfer {
        &self.template
    }

    /// Checks the settings without reading a frame: those of [`StyleTransfer::validate`],
    /// the temporal weight, the flow's settings, the frame range, and the output pattern (an image
    /// extension, a directory that exists, not the input frames).
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`], [`ImageError::OutputFormat`](crate::error::ImageError::OutputFormat),
    /// [`ImageError::Write`](crate::error::ImageError::Write), [`ImpastoError::Flow`], and
    /// [`StyleTransfer::validate`]'s.
    pub fn validate(&self) -> Result<(), ImpastoError> {
        self.template.validate()?;
        if self.template.colors == crate::transfer::Colors::Luminance {
            // A later frame starts from, and is held to, the previous result, which has the
            // photo's colours again: a luminance-only run would need its luminance instead.
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::Colors,
                reason: "a luminance-only transfer is not available for video yet; use photo \
                         or histogram"
                    .into(),
            });
        }
        if matches!(
            self.template.regions,
            crate::transfer::StyleRegions::Automatic { .. }
        ) {
            // Found afresh in every frame, the regions would move from frame to frame.
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::Regions,
                reason: "automatic regions are not available for video; find them once with                          `impasto transfer --regions` on a frame and give the masks with                          --style-mask"
                    .into(),
            });
        }
        if !self.temporal_weight.is_finite() || self.temporal_weight < 0.0 {
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::TemporalWeight,
                reason: format!("{} is not finite and ≥ 0", self.temporal_weight),
            });
        }
        self.flow.validate()?;
        // The first frame this run writes (a segment's, with a range), so that errors
        // name a file the run would write.
        let (from, _) = self.written_positions()?;
        let first_output = self.output_path(from);
        let extension = first_output
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(extension.as_deref(), Some("png" | "jpg" | "jpeg")) {
            return Err(ImpastoError::Image(
                crate::error::ImageError::OutputFormat { path: first_output },
            ));
        }
        let dir = self.output.dir();
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(ImpastoError::Image(crate::error::ImageError::Write {
                path: first_output,
                source: std::io::Error::other(format!(
                    "the directory {} does not exist",
                    dir.display()
                )),
            }));
        }
        if same_file(&first_output, &self.frames.path(from)) {
            return Err(ImpastoError::InvalidSetting {
                setting: crate::error::Setting::Output,
                reason: "the output pattern names the input frames; write the result elsewhere"
                    .into(),
            });
        }
        Ok(())
    }
}

/// Whether two paths name the same file (as given, or by their canonical directories).
fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        Some(
            dir.unwrap_or(Path::new("."))
                .canonicalize()
                .ok()?
                .join(p.file_name()?),
        )
    };
    a == b || matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}
