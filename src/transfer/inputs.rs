//! The images a run reads: where they come from, and how the optimised image starts.

use core::fmt;
use core::str::FromStr;
use std::path::PathBuf;
use std::sync::Arc;

use image::Rgb32FImage;

use crate::{ImpastoError, load_image};

/// An image given to a run: a file to load, or pixels already in memory.
#[derive(Debug, Clone)]
pub enum ImageInput {
    /// A file (JPEG, PNG, WebP, BMP or TIFF), read by [`load_image`].
    Path(PathBuf),
    /// RGB pixels in `[0, 1]`.
    Pixels(Arc<Rgb32FImage>),
}

impl ImageInput {
    /// The pixels, loading the file if this is a path.
    ///
    /// # Errors
    /// Those of [`load_image`].
    pub fn load(&self) -> Result<Rgb32FImage, ImpastoError> {
        match self {
            ImageInput::Path(path) => load_image(path),
            ImageInput::Pixels(pixels) => Ok(Rgb32FImage::clone(pixels)),
        }
    }
}

impl fmt::Display for ImageInput {
    /// The path, or `<in-memory W×H image>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageInput::Path(path) => write!(f, "{}", path.display()),
            ImageInput::Pixels(pixels) => {
                write!(
                    f,
                    "<in-memory {}x{} image>",
                    pixels.width(),
                    pixels.height()
                )
            }
        }
    }
}

impl From<PathBuf> for ImageInput {
    fn from(path: PathBuf) -> Self {
        ImageInput::Path(path)
    }
}

impl From<&std::path::Path> for ImageInput {
    fn from(path: &std::path::Path) -> Self {
        ImageInput::Path(path.to_path_buf())
    }
}

impl From<&str> for ImageInput {
    fn from(path: &str) -> Self {
        ImageInput::Path(path.into())
    }
}

impl From<Rgb32FImage> for ImageInput {
    fn from(pixels: Rgb32FImage) -> Self {
        ImageInput::Pixels(Arc::new(pixels))
    }
}

/// The image the optimisation starts from.
#[derive(Debug, Clone, Default)]
pub enum Init {
    /// White noise, uniform in `[0, 1]`, from the run's seed (the paper's start; the same
    /// seed gives the same noise on every backend). The reconstructions' default.
    Noise,
    /// The content image. A transfer's default.
    #[default]
    Content,
    /// The first style image, resized to the content image's size.
    Style,
    /// Another image, resized to the content image's size.
    Image(ImageInput),
}

impl fmt::Display for Init {
    /// `noise`, `content`, `style`, or the image.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Init::Noise => f.write_str("noise"),
            Init::Content => f.write_str("content"),
            Init::Style => f.write_str("style"),
            Init::Image(image) => image.fmt(f),
        }
    }
}

impl FromStr for Init {
    type Err = ImpastoError;

    /// `noise`, `content` or `style`; anything else is taken as an image path.
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`] for an empty string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "noise" => Init::Noise,
            "content" => Init::Content,
            "style" => Init::Style,
            "" => {
                return Err(ImpastoError::InvalidSetting {
                    setting: crate::error::Setting::Init,
                    reason: "expected noise, content, style or an image path".into(),
                });
            }
            path => Init::Image(ImageInput::Path(path.into())),
        })
    }
}
