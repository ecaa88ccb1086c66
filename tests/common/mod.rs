//! Test images shared by the root's integration tests.

use image::{Rgb, Rgb32FImage};

/// A 64-px "painting" of diagonal stripes in two colours.
// Not every test file that includes this module paints with it.
#[allow(dead_code)]
pub fn stripes() -> Rgb32FImage {
    Rgb32FImage::from_fn(64, 64, |x, y| {
        if ((x + y) / 5) % 2 == 0 {
            Rgb([0.9, 0.75, 0.2])
        } else {
            Rgb([0.1, 0.25, 0.6])
        }
    })
}

/// A little "photo": a sky gradient, a dark disc and a bright bar, sharp edges.
pub fn photo(width: u32, height: u32) -> Rgb32FImage {
    Rgb32FImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        let (dx, dy) = (u - 0.35, v - 0.45);
        if dx * dx + dy * dy < 0.04 {
            Rgb([0.15, 0.1, 0.35])
        } else if (0.65..0.8).contains(&u) && v > 0.3 {
            Rgb([0.95, 0.85, 0.3])
        } else {
            Rgb([0.3 + 0.5 * v, 0.6, 0.9 - 0.4 * u])
        }
    })
}
