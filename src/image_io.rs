//! Images in and out: files ↔ RGB pixels in `[0, 1]` ↔ tensors `[1, 3, H, W]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, Rgb32FImage, RgbImage};

use crate::ImpastoError;

/// The largest width or height [`load_image`] accepts, in pixels. A guard against
/// decompression bombs (a tiny file declaring an enormous image); style transfer at
/// this size would not fit in any GPU anyway.
pub const MAX_IMAGE_SIDE: u32 = 16_384;

/// Reads an image file as RGB pixels in `[0, 1]`.
///
/// JPEG, PNG, WebP, BMP and TIFF are read (by content, not extension). Grayscale becomes
/// RGB, transparency is composited on white, 16-bit and float images are reduced to
/// `f32` in `[0, 1]`, and the EXIF orientation is applied, so the pixels are what an
/// image viewer shows. Declared sizes above [`MAX_IMAGE_SIDE`] or needing more than
/// 512 MiB to decode are refused before anything is allocated.
///
/// # Errors
/// [`ImageError::Read`](crate::error::ImageError::Read) if the file cannot be read, [`ImageError::Decode`](crate::error::ImageError::Decode)
/// if it is not an image of a supported format or is damaged,
/// [`ImageError::Size`](crate::error::ImageError::Size) if it is empty or too large.
pub fn load_image(path: impl AsRef<Path>) -> Result<Rgb32FImage, ImpastoError> {
    let path = path.as_ref();
    let read_error = |source| {
        ImpastoError::Image(crate::error::ImageError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let decode_error = |error: image::ImageError| match error {
        image::ImageError::Limits(_) => ImpastoError::Image(crate::error::ImageError::Size {
            path: path.to_path_buf(),
            reason: format!(
                "it is larger than {MAX_IMAGE_SIDE} pixels on a side or 512 MiB decoded"
            ),
        }),
        // The file opened: a read failing while decoding means its content ends early.
        image::ImageError::IoError(source) => {
            ImpastoError::Image(crate::error::ImageError::Decode {
                path: path.to_path_buf(),
                reason: format!("it is truncated or damaged ({source})"),
            })
        }
        other => ImpastoError::Image(crate::error::ImageError::Decode {
            path: path.to_path_buf(),
            reason: other.to_string(),
        }),
    };
    if path.is_dir() {
        return Err(read_error(std::io::Error::other("it is a directory")));
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes.as_slice()))
        .with_guessed_format()
        .map_err(read_error)?;
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
        return Err(ImpastoError::Image(crate::error::ImageError::Decode {
            path: path.to_path_buf(),
            reason: "it is truncated (the JPEG data ends before its end-of-image marker)".into(),
        }));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImpastoError::Image(crate::error::ImageError::Size {
            path: path.to_path_buf(),
            reason: format!("it is {width}x{height} pixels"),
        }));
    }
    // A missing or unreadable EXIF block just means no rotation.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(composite_on_white(image))
}

/// Whether a JPEG's last scan is followed by its end-of-image marker (`FF D9`). The
/// decoder pads a cut-off scan with grey rather than failing; entropy-coded data cannot
/// hold `FF D9` (a data byte `FF` is always followed by `00`), so the marker's absence
/// after the last start-of-scan (`FF DA`) means the file was cut.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let marker = |m: u8| bytes.windows(2).rposition(|w| w == [0xFF, m]);
    match (marker(0xDA), marker(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        (None, _) => true, // no scan at all: the decoder reports what is wrong
        (Some(_), None) => false,
    }
}

fn composite_on_white(image: DynamicImage) -> Rgb32FImage {
    if !image.color().has_alpha() {
        return image.into_rgb32f();
    }
    let rgba = image.into_rgba32f();
    Rgb32FImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: f32| c * a + (1.0 - a);
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// The size `(width, height)` whose longer side is `longest`, keeping the aspect ratio
/// (each side at least 1 pixel).
pub fn fit_longest_side(width: u32, height: u32, longest: u32) -> (u32, u32) {
    let scale = longest as f64 / width.max(height) as f64;
    let side = |s: u32| ((s as f64 * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// The image resized so that its longer side is `longest` pixels (aspect ratio kept),
/// with a Catmull–Rom filter; an image already that size is returned as it is.
pub fn resize_longest_side(image: Rgb32FImage, longest: u32) -> Rgb32FImage {
    let (width, height) = fit_longest_side(image.width(), image.height(), longest);
    if (width, height) == image.dimensions() {
        return image;
    }
    resize_to(&image, width, height)
}

/// `image` at exactly `(width, height)`: Catmull–Rom, clamped to `[0, 1]` (the resize of
/// [`resize_longest_side`]).
pub(crate) fn resize_to(image: &Rgb32FImage, width: u32, height: u32) -> Rgb32FImage {
    let resized = image::imageops::resize(image, width, height, FilterType::CatmullRom);
    // Catmull–Rom overshoots at edges; pixels stay in [0, 1].
    Rgb32FImage::from_fn(width, height, |x, y| {
        image::Rgb(resized.get_pixel(x, y).0.map(|c| c.clamp(0.0, 1.0)))
    })
}

/// The image as a tensor of shape `[1, 3, H, W]` on `device`.
pub fn image_to_tensor(image: &Rgb32FImage, device: &Device) -> Tensor<4> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut planar = vec![0f32; 3 * h * w];
    for (i, pixel) in image.pixels().enumerate() {
        for c in 0..3 {
            planar[c * h * w + i] = pixel.0[c];
        }
    }
    Tensor::from_data(TensorData::new(planar, [1, 3, h, w]), device)
}

/// The first image of a `[N, 3, H, W]` tensor as 8-bit RGB (values clamped to `[0, 1]`).
/// Reads the tensor back to the host.
pub fn tensor_to_image(tensor: Tensor<4>) -> RgbImage {
    let image = tensor_to_float_image(tensor);
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        image::Rgb(image.get_pixel(x, y).0.map(byte))
    })
}

/// The first image of a `[N, 3, H, W]` tensor as float RGB, as it is: not clamped, so
/// values may lie outside `[0, 1]`. Reads the tensor back to the host.
pub fn tensor_to_float_image(tensor: Tensor<4>) -> Rgb32FImage {
    let [_, _, h, w] = tensor.dims();
    let first = tensor.narrow(0, 0, 1);
    let planar: Vec<f32> = first
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("a float tensor reads back as f32");
    let plane = h * w;
    Rgb32FImage::from_fn(w as u32, h as u32, |x, y| {
        let i = y as usize * w + x as usize;
        image::Rgb([planar[i], planar[plane + i], planar[2 * plane + i]])
    })
}

/// Writes `image` as PNG or JPEG (quality 95), chosen by the extension of `path`,
/// atomically: the bytes go to a temporary file beside `path`, which is renamed over it
/// only once complete, so `path` never holds a half-written image.
///
/// # Errors
/// [`ImageError::OutputFormat`](crate::error::ImageError::OutputFormat) for an extension other than `png`, `jpg` or `jpeg`;
/// [`ImageError::Write`](crate::error::ImageError::Write) if the file cannot be written.
pub fn save_image(image: &RgbImage, path: impl AsRef<Path>) -> Result<(), ImpastoError> {
    let path = path.as_ref();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match extension.as_deref() {
        Some("png") => image::ImageFormat::Png,
        Some("jpg" | "jpeg") => image::ImageFormat::Jpeg,
        _ => {
            return Err(ImpastoError::Image(
                crate::error::ImageError::OutputFormat {
                    path: path.to_path_buf(),
                },
            ));
        }
    };
    let mut bytes = Vec::new();
    let cursor = &mut std::io::Cursor::new(&mut bytes);
    let encoded = match format {
        image::ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(cursor, 95).encode_image(image)
        }
        _ => image.write_to(cursor, format),
    };
    encoded.map_err(|e| {
        ImpastoError::Image(crate::error::ImageError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })
    })?;
    write_atomically(path, &bytes)
}

/// A greyscale mask, one `f32` per pixel in `[0, 1]`: white the region, black outside,
/// grey partly.
pub type Mask = image::ImageBuffer<image::Luma<f32>, Vec<f32>>;

/// Writes a region mask as an 8-bit greyscale PNG (white the region), whole or not at
/// all, as [`save_image`]: what [`TransferOutput::regions`](crate::transfer::TransferOutput::regions)
/// holds, to edit and give back with `--style-mask`.
///
/// # Errors
/// [`ImageError::OutputFormat`](crate::error::ImageError::OutputFormat) unless `path` ends
/// in `.png`; [`ImageError::Write`](crate::error::ImageError::Write) if it cannot be written.
pub fn save_mask(mask: &Mask, path: impl AsRef<Path>) -> Result<(), ImpastoError> {
    let path = path.as_ref();
    let is_png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png {
        return Err(ImpastoError::Image(
            crate::error::ImageError::OutputFormat {
                path: path.to_path_buf(),
            },
        ));
    }
    let grey = image::GrayImage::from_fn(mask.width(), mask.height(), |x, y| {
        image::Luma([(mask.get_pixel(x, y).0[0].clamp(0.0, 1.0) * 255.0).round() as u8])
    });
    let mut bytes = Vec::new();
    grey.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| {
        ImpastoError::Image(crate::error::ImageError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })
    })?;
    write_atomically(path, &bytes)
}

/// Writes `bytes` to a temporary file in `path`'s directory
/// ([`partial_file_path`]), then renames it to `path`: `path` holds either the whole new
/// contents or what it held before. The temporary file is removed on failure.
///
/// # Errors
/// [`ImageError::Write`](crate::error::ImageError::Write) (whatever the contents) if the file cannot be written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ImpastoError> {
    let write_error = |source| {
        ImpastoError::Image(crate::error::ImageError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    let temporary = partial_file_path(path);
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(error));
    }
    Ok(())
}

/// The temporary file [`write_atomically`] (and so [`save_image`]) writes before renaming
/// it to `path`: `.NAME.PID.partial` beside it. A program interrupted mid-write removes it.
pub fn partial_file_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}
