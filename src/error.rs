//! The error type of the `impasto` facade.

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

    /// An error of the VGG network: a layer, an input or a weights file.
    #[error(transparent)]
    Vgg(#[from] impasto_vgg::VggError),
}
