//! The error type of the `impasto` facade.

use std::path::PathBuf;

/// Everything that can go wrong in the `impasto` facade itself; errors of the inner
/// crates are wrapped.
#[derive(Debug, thiserror::Error)]
pub enum ImpastoError {
    /// A backend name that is not `flex`, `ndarray` or `wgpu`, when parsing a
    /// [`Backend`](crate::Backend).
    #[error("unknown backend `{name}`; valid backends are flex, ndarray and wgpu")]
    UnknownBackend {
        /// The name given.
        name: String,
    },

    /// A backend this build was compiled without, in
    /// [`Backend::device`](crate::Backend::device).
    #[error("this build of impasto has no {backend} backend; rebuild with `--features {feature}`")]
    BackendNotCompiled {
        /// The backend asked for.
        backend: &'static str,
        /// The cargo feature that adds it.
        feature: &'static str,
    },

    /// An image file that cannot be read (missing, a directory, no permission), in
    /// [`load_image`](crate::load_image).
    #[error("cannot read image {}: {source}", path.display())]
    ImageRead {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file that is not an image in a supported format (JPEG, PNG, WebP, BMP, TIFF),
    /// or a damaged or truncated one, in [`load_image`](crate::load_image).
    #[error("{} is not a readable image: {reason}", path.display())]
    ImageDecode {
        /// The file.
        path: PathBuf,
        /// What the decoder found wrong.
        reason: String,
    },

    /// An image with no pixels, or one too large to process safely, in
    /// [`load_image`](crate::load_image).
    #[error("image {} cannot be used: {reason}", path.display())]
    ImageSize {
        /// The file.
        path: PathBuf,
        /// Why: its size.
        reason: String,
    },

    /// An output path whose extension is not `.png`, `.jpg` or `.jpeg`, in
    /// [`save_image`](crate::save_image).
    #[error("cannot write {}: the output must end in .png, .jpg or .jpeg", path.display())]
    OutputFormat {
        /// The path given.
        path: PathBuf,
    },

    /// An output file that cannot be written (missing directory, no permission, disk
    /// full), in [`save_image`](crate::save_image); nothing is left at the path.
    #[error("cannot write {}: {source}", path.display())]
    ImageWrite {
        /// The path given.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },

    /// An error of the VGG network: a layer, an input or a weights file.
    #[error(transparent)]
    Vgg(#[from] impasto_vgg::VggError),
}
