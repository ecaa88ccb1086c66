//! Draws the project's two demo images, `assets/content.png` and `assets/style.png`.
//!
//! ```text
//! cargo run --release --example draw_assets            # writes into assets/
//! cargo run --release --example draw_assets -- out/    # or into another folder
//! ```
//!
//! Both pictures are the project's own: this code draws them from nothing (no image,
//! font or data file is read), deterministically (a fixed-seed SplitMix64 written
//! below, no RNG crate), and they are released under the project's licence
//! (MIT OR Apache-2.0). Only `std` and the `image` crate's PNG encoder are used.
//!
//! * `content.png`, 256×192: a small landscape (sky, sun, clouds, birds, two rows of
//!   hills, a house with a path, a tree, a bush, and a lake that mirrors them) with clear
//!   shapes and edges, so that a content reconstruction is recognisable; every pixel
//!   averages 4×4 samples (anti-aliasing).
//! * `style.png`, 256×256: swirling brush strokes in a night-sky palette (deep blues,
//!   yellows, some white), traced along a flow field with a few vortices. Each stroke
//!   is a row of overlapping soft dabs with bristle streaks and slight colour jitter,
//!   in four passes from broad to fine, so the Gram matrices see texture at several
//!   scales. It is painted at 512×512 and averaged down.

mod brushwork;
mod landscape;

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use brushwork::{STYLE_SIZE, draw_style};
use landscape::{CONTENT_H, CONTENT_W, draw_content};

/// A colour, each channel in `[0, 1]` (sRGB values).
type Rgb = [f32; 3];

/// A disc: centre `x`, centre `y`, radius.
type Disc = (f32, f32, f32);

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "assets".to_string()),
    );
    std::fs::create_dir_all(&dir)?;

    let content = draw_content();
    let path = dir.join("content.png");
    write_png(&path, CONTENT_W, CONTENT_H, &content)?;
    report(&path, CONTENT_W, CONTENT_H)?;

    let style = draw_style();
    let path = dir.join("style.png");
    write_png(&path, STYLE_SIZE, STYLE_SIZE, &style)?;
    report(&path, STYLE_SIZE, STYLE_SIZE)?;
    Ok(())
}

fn report(path: &Path, width: u32, height: u32) -> Result<(), Box<dyn Error>> {
    let bytes = std::fs::metadata(path)?.len();
    println!("wrote {} ({width}x{height}, {bytes} bytes)", path.display());
    Ok(())
}

/// Writes `pixels` (row-major, `width * height` colours) as an 8-bit RGB PNG.
fn write_png(path: &Path, width: u32, height: u32, pixels: &[Rgb]) -> Result<(), Box<dyn Error>> {
    let bytes: Vec<u8> = pixels
        .iter()
        .flat_map(|c| c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
        .collect();
    let file = BufWriter::new(File::create(path)?);
    PngEncoder::new_with_quality(file, CompressionType::Best, FilterType::Adaptive).write_image(
        &bytes,
        width,
        height,
        ExtendedColorType::Rgb8,
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Small deterministic helpers: SplitMix64, value noise, colour arithmetic.
// ---------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast and good enough for drawing.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
}

/// A hash of a lattice point, uniform in `[0, 1)`.
fn hash2(x: i32, y: i32, seed: u64) -> f32 {
    let key = ((x as u32 as u64) << 32) | y as u32 as u64;
    SplitMix64(seed ^ key.wrapping_mul(0xD6E8_FEB8_6659_FD93)).unit()
}

/// Smoothly interpolated lattice noise in `[0, 1)`.
fn value_noise(x: f32, y: f32, seed: u64) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (i, j) = (x0 as i32, y0 as i32);
    let top = lerp(hash2(i, j, seed), hash2(i + 1, j, seed), sx);
    let bottom = lerp(hash2(i, j + 1, seed), hash2(i + 1, j + 1, seed), sx);
    lerp(top, bottom, sy)
}

/// Fractal sum of `octaves` octaves of value noise, in `[0, 1)`.
fn fbm(x: f32, y: f32, seed: u64, octaves: u32) -> f32 {
    let (mut sum, mut norm, mut amp, mut freq) = (0.0, 0.0, 1.0, 1.0);
    for octave in 0..octaves {
        sum += amp * value_noise(x * freq, y * freq, seed.wrapping_add(octave as u64));
        norm += amp;
        amp *= 0.5;
        freq *= 2.0;
    }
    sum / norm
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        lerp(a[0], b[0], t),
        lerp(a[1], b[1], t),
        lerp(a[2], b[2], t),
    ]
}

fn scale(c: Rgb, s: f32) -> Rgb {
    c.map(|v| v * s)
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Averages `factor × factor` blocks of a `width × height` image.
fn downsample(pixels: &[Rgb], width: usize, height: usize, factor: usize) -> Vec<Rgb> {
    let (w, h) = (width / factor, height / factor);
    let norm = 1.0 / (factor * factor) as f32;
    let mut out = vec![[0.0; 3]; w * h];
    for y in 0..height {
        for x in 0..width {
            let dst = &mut out[(y / factor) * w + x / factor];
            for c in 0..3 {
                dst[c] += pixels[y * width + x][c] * norm;
            }
        }
    }
    out
}
