//! The error types of the `impasto` facade: [`ImpastoError`], which every fallible
//! function returns, and one enum per concern that it wraps (backends, images, weights,
//! settings, video), so that a caller matches on the kind of failure first.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in the `impasto` facade; errors of the member crates are
/// wrapped as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImpastoError {
    /// A compute backend that cannot be had.
    #[error(transparent)]
    Backend(#[from] BackendError),

    /// An image that cannot be read or written.
    #[error(transparent)]
    Image(#[from] ImageError),

    /// A weights file that cannot be found, downloaded or checked.
    #[error(transparent)]
    Weights(#[from] WeightsError),

    /// A video's frames that cannot be used.
    #[error(transparent)]
    Video(#[from] VideoError),

    /// A setting of a [`StyleTransfer`](crate::StyleTransfer) out of its range (size,
    /// style scale, style blend, a transfer without style images, masks that do not match
    /// the styles), found by [`StyleTransfer::validate`](crate::StyleTransfer::validate)
    /// before any work; or found bad when a run reads it, before the optimisation: a
    /// region mask that is black everywhere, regions that cannot be found
    /// ([`find_regions`](crate::regions::find_regions)).
    #[error("invalid {setting}: {reason}")]
    InvalidSetting {
        /// Which setting.
        setting: Setting,
        /// What is wrong with it.
        reason: String,
    },

    /// A stage that does not fit the memory budget even tile by tile with the shortest
    /// L-BFGS history ([`StyleTransfer::with_max_memory`](crate::StyleTransfer::with_max_memory)),
    /// found before the run starts.
    #[error(
        "a picture of {}x{} px needs at least {} of memory (in tiles, with the shortest L-BFGS \
         history), more than the budget of {}",
        image_size[0],
        image_size[1],
        crate::transfer::format_bytes(*needed),
        crate::transfer::format_bytes(*budget)
    )]
    MemoryBudget {
        /// The stage's image, `[width, height]`.
        image_size: [u32; 2],
        /// The least it needs, bytes.
        needed: u64,
        /// The budget, bytes.
        budget: u64,
    },

    /// Text that is not a run report, in [`RunReport::from_json`](crate::report::RunReport::from_json).
    #[error("not an impasto run report: {reason}")]
    ReportParse {
        /// What the JSON parser found.
        reason: String,
    },

    /// An error of the optical flow between two frames (frames too small for it).
    #[error("optical flow: {0}")]
    Flow(#[from] impasto_flow::FlowError),

    /// An error of the loss: weights, layers, or an image the network cannot take.
    #[error(transparent)]
    Loss(#[from] impasto_loss::LossError),

    /// An error of the optimizer: its settings, or a device failure during the run.
    #[error(transparent)]
    Optim(#[from] impasto_optim::OptimError),

    /// An error of the VGG network: a layer, an input or a weights file.
    #[error(transparent)]
    Vgg(#[from] impasto_vgg::VggError),
}

/// A compute backend that cannot be had: an unknown name, or one this build lacks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// A backend name that is not `flex`, `ndarray` or `wgpu`, when parsing a
    /// [`Backend`](crate::Backend).
    #[error("unknown backend `{name}`; valid backends are flex, ndarray and wgpu")]
    Unknown {
        /// The name given.
        name: String,
    },

    /// A backend this build was compiled without, in
    /// [`Backend::device`](crate::Backend::device).
    #[error("this build of impasto has no {backend} backend; rebuild with `--features {feature}`")]
    NotCompiled {
        /// The backend asked for.
        backend: &'static str,
        /// The cargo feature that adds it.
        feature: &'static str,
    },
}

/// Reading or writing an image file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An image file that cannot be read (missing, a directory, no permission), in
    /// [`load_image`](crate::image::load_image).
    #[error("cannot read image {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file that is not an image in a supported format (JPEG, PNG, WebP, BMP, TIFF),
    /// or a damaged or truncated one, in [`load_image`](crate::image::load_image).
    #[error("{} is not a readable image: {reason}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder found wrong.
        reason: String,
    },

    /// An image with no pixels, or one too large to process safely, in
    /// [`load_image`](crate::image::load_image).
    #[error("image {} cannot be used: {reason}", path.display())]
    Size {
        /// The file.
        path: PathBuf,
        /// Why: its size.
        reason: String,
    },

    /// An output path whose extension is not `.png`, `.jpg` or `.jpeg`, in
    /// [`save_image`](crate::image::save_image).
    #[error("cannot write {}: the output must end in .png, .jpg or .jpeg", path.display())]
    OutputFormat {
        /// The path given.
        path: PathBuf,
    },

    /// An output file that cannot be written (missing directory, no permission, disk
    /// full), in [`save_image`](crate::image::save_image); nothing is left at the path.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The path given.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Finding, downloading or checking a weights file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// No weights file where [`WeightsSource::resolve`](crate::WeightsSource::resolve)
    /// looks: the path given, or the default location (then `hint` gives the command that
    /// downloads the file).
    #[error("no VGG16 weights at {}; {hint}", path.display())]
    NotFound {
        /// Where the file was looked for.
        path: PathBuf,
        /// What to do about it.
        hint: String,
    },

    /// `IMPASTO_WEIGHTS` is unset and the system has no cache directory for this user,
    /// in [`default_weights_path`](crate::weights::default_weights_path).
    #[error(
        "this system has no cache directory for impasto's weights; set IMPASTO_WEIGHTS to the path of a weights file"
    )]
    NoCacheDir,

    /// The server of a weights download cannot be reached (no network, unknown host,
    /// TLS failure), or sent something unusable, in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch).
    #[error("cannot download {url}: {reason}")]
    Download {
        /// The address.
        url: String,
        /// What went wrong.
        reason: String,
    },

    /// The server of a weights download answered with an error status (404, 500, …), in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch).
    #[error("cannot download {url}: the server answered HTTP {status}")]
    DownloadStatus {
        /// The address.
        url: String,
        /// The HTTP status code.
        status: u16,
    },

    /// A weights download that stopped part way (connection lost or timed out), in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch); the partial file is
    /// kept and the next fetch resumes it.
    #[error(
        "the download of {url} stopped at {downloaded} of {} bytes ({reason}); run the same command again to resume it from {}",
        total.map_or_else(|| "?".to_owned(), |total| total.to_string()),
        part.display()
    )]
    DownloadInterrupted {
        /// The address.
        url: String,
        /// The partial file, kept.
        part: PathBuf,
        /// Bytes of the file received so far.
        downloaded: u64,
        /// The file's size, if the server said it.
        total: Option<u64>,
        /// What went wrong.
        reason: String,
    },

    /// A downloaded weights file whose SHA-256 is not the expected one, in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch); it was deleted.
    #[error(
        "checksum mismatch for {}: the downloaded file's SHA-256 is {actual}, expected one starting with {expected_prefix}; it was deleted, run the same command to download it again",
        path.display()
    )]
    Checksum {
        /// Where the file was to go.
        path: PathBuf,
        /// The first hex digits the SHA-256 must have.
        expected_prefix: String,
        /// The SHA-256 of the file received.
        actual: String,
    },

    /// A file already at the destination of a weights download that is not the one to
    /// download (its SHA-256 differs), in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch); it is left alone.
    #[error(
        "{} already exists but is not the expected file (its SHA-256 is {actual}, expected one starting with {expected_prefix}); move or delete it and download again",
        path.display()
    )]
    ExistingMismatch {
        /// The file.
        path: PathBuf,
        /// The first hex digits the SHA-256 must have.
        expected_prefix: String,
        /// The SHA-256 of the file there.
        actual: String,
    },

    /// A file or directory of a weights download that cannot be created, written or
    /// read (no permission, disk full), in
    /// [`WeightsDownload::fetch`](crate::weights::WeightsDownload::fetch).
    #[error("cannot write or read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// A video's frames: their pattern, their numbering, their sizes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VideoError {
    /// A frame pattern of a [`VideoTransfer`](crate::VideoTransfer) that is not a file
    /// name with one `%d` or `%0Nd` placeholder (for the frame number), in
    /// [`FramePattern::parse`](crate::video::FramePattern::parse).
    #[error("invalid frame pattern `{pattern}`: {reason}")]
    FramePattern {
        /// The pattern given.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },

    /// No file matches a frame pattern (or its directory does not exist), in
    /// [`FrameSequence::from_pattern`](crate::video::FrameSequence::from_pattern).
    #[error("no frames match `{pattern}`: expected files such as {}", example.display())]
    NoFrames {
        /// The pattern given.
        pattern: String,
        /// The first frame's name if the sequence started at 1.
        example: PathBuf,
    },

    /// A numbered frame sequence with a gap: frame `missing` is absent but a later one
    /// exists, in [`FrameSequence::from_pattern`](crate::video::FrameSequence::from_pattern).
    #[error(
        "frame {} is missing from the sequence, but {} follows it; number the frames without gaps",
        missing.display(),
        next.display()
    )]
    MissingFrame {
        /// The absent frame.
        missing: PathBuf,
        /// The next frame that exists.
        next: PathBuf,
    },

    /// A frame whose size is not the first frame's, in
    /// [`VideoTransfer::run`](crate::VideoTransfer::run).
    #[error(
        "frame {} is {}x{} but the first frame is {}x{}; every frame must be the same size",
        path.display(), actual.0, actual.1, expected.0, expected.1
    )]
    FrameSize {
        /// The frame.
        path: PathBuf,
        /// The first frame's `(width, height)`.
        expected: (u32, u32),
        /// This frame's `(width, height)`.
        actual: (u32, u32),
    },

    /// A finished output frame, read back to resume a video, that is not the size the
    /// frames are stylised at (the run was started with another size), in
    /// [`VideoTransfer::run`](crate::VideoTransfer::run).
    #[error(
        "the existing output frame {} is {}x{} but this run makes {}x{} frames; use the size of \
         the first run, or delete the existing output frames",
        path.display(), actual.0, actual.1, expected.0, expected.1
    )]
    ExistingOutputSize {
        /// The output frame.
        path: PathBuf,
        /// The size this run makes.
        expected: (u32, u32),
        /// The file's size.
        actual: (u32, u32),
    },
}

/// A setting of a [`StyleTransfer`](crate::StyleTransfer) or a
/// [`VideoTransfer`](crate::VideoTransfer), as [`ImpastoError::InvalidSetting`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The result's size.
    Size,
    /// Which colours the result has.
    Colors,
    /// The style images' scale.
    StyleScale,
    /// The style images.
    Style,
    /// The style images' blend weights.
    StyleBlend,
    /// The style images' region masks.
    StyleMask,
    /// The automatic regions.
    Regions,
    /// The stages of the schedule.
    Scales,
    /// The loss weights.
    LossWeights,
    /// A video frame's temporal term.
    TemporalWeight,
    /// The start image.
    Init,
    /// A video's range of frames.
    FrameRange,
    /// Where the result goes.
    Output,
    /// The memory budget.
    MaxMemory,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Size => "size",
            Setting::MaxMemory => "memory budget",
            Setting::Colors => "colors",
            Setting::StyleScale => "style scale",
            Setting::Style => "style",
            Setting::StyleBlend => "style blend",
            Setting::StyleMask => "style mask",
            Setting::Regions => "regions",
            Setting::Scales => "scales",
            Setting::LossWeights => "loss weights",
            Setting::TemporalWeight => "temporal weight",
            Setting::Init => "init",
            Setting::FrameRange => "frame range",
            Setting::Output => "output",
        })
    }
}

impl From<impasto_optim::OptimError<impasto_loss::LossError>> for ImpastoError {
    /// A run's optimizer error: the loss's own error (the objective failed) as
    /// [`ImpastoError::Loss`], anything else as [`ImpastoError::Optim`].
    fn from(error: impasto_optim::OptimError<impasto_loss::LossError>) -> Self {
        match error.into_objective() {
            Ok(loss) => ImpastoError::Loss(loss),
            Err(optim) => ImpastoError::Optim(optim),
        }
    }
}
