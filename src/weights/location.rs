//! Where the default weights file is: `IMPASTO_WEIGHTS`, or impasto's cache directory.

use std::ffi::OsString;
use std::path::PathBuf;

use super::published::TORCHVISION_VGG16_FILE;
use crate::ImpastoError;

/// The environment variable naming the weights file of [`WeightsSource::Default`](super::WeightsSource::Default) (and
/// where `impasto weights fetch` puts it), instead of the user's cache directory.
pub const WEIGHTS_ENV: &str = "IMPASTO_WEIGHTS";

/// impasto's directory in the user's cache: `~/.cache/impasto` on Linux,
/// `~/Library/Caches/impasto` on macOS, `%LOCALAPPDATA%\impasto` on Windows.
///
/// # Errors
/// [`WeightsError::NoCacheDir`](crate::error::WeightsError::NoCacheDir) if the system has no cache directory for this user.
pub fn weights_cache_dir() -> Result<PathBuf, ImpastoError> {
    dirs::cache_dir()
        .map(|cache| cache.join("impasto"))
        .ok_or(ImpastoError::Weights(
            crate::error::WeightsError::NoCacheDir,
        ))
}

/// The weights file of [`WeightsSource::Default`](super::WeightsSource::Default), and where `impasto weights fetch`
/// puts it: `$IMPASTO_WEIGHTS` if set and not empty, else
/// `vgg16-397923af.pth` in [`weights_cache_dir`]. The file need not exist.
///
/// ```no_run
/// let path = impasto::weights::default_weights_path()?;
/// println!("impasto looks for VGG16 weights at {}", path.display());
/// # Ok::<(), impasto::ImpastoError>(())
/// ```
///
/// # Errors
/// [`WeightsError::NoCacheDir`](crate::error::WeightsError::NoCacheDir) if `IMPASTO_WEIGHTS` is unset and the system has no cache
/// directory for this user.
pub fn default_weights_path() -> Result<PathBuf, ImpastoError> {
    default_weights_path_from(std::env::var_os(WEIGHTS_ENV), dirs::cache_dir())
}

/// [`default_weights_path`] given the value of `IMPASTO_WEIGHTS` and the cache directory.
pub(super) fn default_weights_path_from(
    env: Option<OsString>,
    cache: Option<PathBuf>,
) -> Result<PathBuf, ImpastoError> {
    match env {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => cache
            .map(|cache| cache.join("impasto").join(TORCHVISION_VGG16_FILE))
            .ok_or(ImpastoError::Weights(
                crate::error::WeightsError::NoCacheDir,
            )),
    }
}
