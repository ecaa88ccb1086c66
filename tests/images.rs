//! Reading and writing images: formats, colour handling, orientation, limits, atomic saves.

use std::path::PathBuf;

use burn::tensor::Device;
use image::{ImageBuffer, Luma, Rgb, RgbImage, Rgba};
use impasto::ImpastoError;
use impasto::image::{
    fit_longest_side, image_to_tensor, load_image, resize_longest_side, save_image,
    tensor_to_float_image, tensor_to_image,
};

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("impasto-images-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 10) as u8, (y * 20) as u8, 128])
    })
}

#[test]
fn png_round_trip_is_exact() {
    let path = temp_dir("round-trip").join("gradient.png");
    let image = gradient(12, 7);
    save_image(&image, &path).unwrap();
    let loaded = load_image(&path).unwrap();
    assert_eq!(loaded.dimensions(), (12, 7));
    for (a, b) in image.pixels().zip(loaded.pixels()) {
        for c in 0..3 {
            assert_eq!(a.0[c] as f32 / 255.0, b.0[c]);
        }
    }
}

#[test]
fn transparency_is_composited_on_white_and_gray_becomes_rgb() {
    let dir = temp_dir("colour");
    let rgba = ImageBuffer::from_fn(2, 1, |x, _| {
        if x == 0 {
            Rgba([0u8, 0, 0, 0])
        } else {
            Rgba([0, 0, 0, 255])
        }
    });
    rgba.save(dir.join("alpha.png")).unwrap();
    let loaded = load_image(dir.join("alpha.png")).unwrap();
    assert_eq!(
        loaded.get_pixel(0, 0).0,
        [1.0, 1.0, 1.0],
        "transparent black is white"
    );
    assert_eq!(
        loaded.get_pixel(1, 0).0,
        [0.0, 0.0, 0.0],
        "opaque black stays black"
    );

    let gray = ImageBuffer::from_fn(3, 3, |x, _| Luma([(x * 100) as u8]));
    gray.save(dir.join("gray.png")).unwrap();
    let loaded = load_image(dir.join("gray.png")).unwrap();
    let [r, g, b] = loaded.get_pixel(2, 1).0;
    assert!(r == g && g == b && (r - 200.0 / 255.0).abs() < 1e-6);

    let deep: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(2, 2, |_, _| Rgb([65535, 32768, 0]));
    deep.save(dir.join("deep.png")).unwrap();
    let loaded = load_image(dir.join("deep.png")).unwrap();
    assert_eq!(loaded.get_pixel(1, 1).0[0], 1.0);
    assert!((loaded.get_pixel(1, 1).0[1] - 0.5).abs() < 1e-4);
}

/// A JPEG with an EXIF APP1 segment setting `orientation` (6 = rotate 90° clockwise).
fn jpeg_with_orientation(image: &RgbImage, orientation: u8) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 100)
        .encode_image(image)
        .unwrap();
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec(); // big-endian TIFF, IFD at offset 8
    tiff.extend([0, 1]); // one entry
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]); // Orientation, SHORT
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let length = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend([0xff, 0xe1]);
    out.extend(length.to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    let path = temp_dir("exif").join("rotated.jpg");
    std::fs::write(&path, jpeg_with_orientation(&gradient(16, 8), 6)).unwrap();
    assert_eq!(load_image(&path).unwrap().dimensions(), (8, 16));
}

#[test]
fn resizing_keeps_the_aspect_ratio_and_leaves_the_right_size_alone() {
    assert_eq!(fit_longest_side(1024, 768, 512), (512, 384));
    assert_eq!(fit_longest_side(591, 800, 512), (378, 512));
    assert_eq!(fit_longest_side(1, 1000, 10), (1, 10));
    let image = load_image_from(gradient(30, 20));
    let same = resize_longest_side(image.clone(), 30);
    assert_eq!(same, image, "no resampling at the same size");
    let smaller = resize_longest_side(image, 15);
    assert_eq!(smaller.dimensions(), (15, 10));
    assert!(
        smaller
            .pixels()
            .all(|p| p.0.iter().all(|c| (0.0..=1.0).contains(c)))
    );
}

fn load_image_from(image: RgbImage) -> image::Rgb32FImage {
    image::DynamicImage::ImageRgb8(image).into_rgb32f()
}

#[test]
fn tensors_round_trip() {
    let image = gradient(5, 3);
    let tensor = image_to_tensor(&load_image_from(image.clone()), &Device::flex());
    assert_eq!(tensor.dims(), [1, 3, 3, 5]);
    assert_eq!(tensor_to_image(tensor), image);
}

#[test]
fn float_images_keep_values_outside_the_unit_range() {
    // An optimiser's iterate can leave [0, 1]; the float read keeps it, the 8-bit one clamps.
    let image = image::Rgb32FImage::from_fn(4, 3, |x, y| {
        let v = x as f32 * 0.5 - 0.4 + y as f32 * 0.01;
        Rgb([v, 1.0 - v, 0.25])
    });
    let tensor = image_to_tensor(&image, &Device::flex());
    let read = tensor_to_float_image(tensor.clone());
    assert_eq!(read, image);
    assert!(read.as_raw().iter().any(|&v| v < 0.0) && read.as_raw().iter().any(|&v| v > 1.0));
    let bytes = tensor_to_image(tensor);
    assert_eq!(bytes.get_pixel(0, 0).0, [0, 255, 64]);
    assert_eq!(bytes.get_pixel(3, 0).0, [255, 0, 64]);
}

fn assert_error(
    result: Result<image::Rgb32FImage, ImpastoError>,
    check: fn(&ImpastoError) -> bool,
) {
    let error = result.expect_err("must fail");
    assert!(check(&error), "unexpected error: {error}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = temp_dir("bad");
    assert_error(load_image(dir.join("missing.png")), |e| {
        matches!(
            e,
            ImpastoError::Image(impasto::error::ImageError::Read { .. })
        )
    });
    assert_error(load_image(&dir), |e| {
        matches!(
            e,
            ImpastoError::Image(impasto::error::ImageError::Read { .. })
        )
    });

    std::fs::write(dir.join("notes.png"), "not an image").unwrap();
    assert_error(load_image(dir.join("notes.png")), |e| {
        matches!(
            e,
            ImpastoError::Image(impasto::error::ImageError::Decode { .. })
        )
    });

    let path = dir.join("whole.png");
    save_image(&gradient(64, 64), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(dir.join("cut.png"), &bytes[..bytes.len() / 2]).unwrap();
    assert_error(load_image(dir.join("cut.png")), |e| {
        matches!(
            e,
            ImpastoError::Image(impasto::error::ImageError::Decode { .. })
        )
    });

    // A cut JPEG: the decoder would pad it with grey; load_image finds its end missing.
    let jpeg = jpeg_with_orientation(&gradient(64, 64), 1);
    std::fs::write(dir.join("whole.jpg"), &jpeg).unwrap();
    load_image(dir.join("whole.jpg")).expect("a whole JPEG loads");
    std::fs::write(dir.join("cut.jpg"), &jpeg[..jpeg.len() * 2 / 3]).unwrap();
    assert_error(
        load_image(dir.join("cut.jpg")),
        |e| matches!(e, ImpastoError::Image(impasto::error::ImageError::Decode { reason, .. }) if reason.contains("truncated")),
    );

    // A 54-byte BMP header declaring 40000 x 40000 pixels: refused before allocating.
    let mut bmp = b"BM".to_vec();
    bmp.extend(54u32.to_le_bytes()); // file size (unchecked)
    bmp.extend([0; 4]);
    bmp.extend(54u32.to_le_bytes()); // pixel data offset
    bmp.extend(40u32.to_le_bytes()); // BITMAPINFOHEADER
    bmp.extend(40_000i32.to_le_bytes());
    bmp.extend(40_000i32.to_le_bytes());
    bmp.extend(1u16.to_le_bytes());
    bmp.extend(24u16.to_le_bytes());
    bmp.extend([0; 24]);
    std::fs::write(dir.join("bomb.bmp"), bmp).unwrap();
    assert_error(load_image(dir.join("bomb.bmp")), |e| {
        matches!(
            e,
            ImpastoError::Image(impasto::error::ImageError::Size { .. })
        )
    });
}

#[test]
fn saving_is_atomic_and_checks_the_extension() {
    let dir = temp_dir("save");
    let image = gradient(8, 8);
    let error = save_image(&image, dir.join("out.gif")).unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Image(impasto::error::ImageError::OutputFormat { .. })
        ),
        "{error}"
    );
    let error = save_image(&image, dir.join("no-such-dir").join("out.png")).unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Image(impasto::error::ImageError::Write { .. })
        ),
        "{error}"
    );
    save_image(&image, dir.join("out.JPG")).unwrap();
    assert_eq!(
        load_image(dir.join("out.JPG")).unwrap().dimensions(),
        (8, 8)
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
