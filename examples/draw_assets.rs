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

use std::error::Error;
use std::f32::consts::PI;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

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

// ---------------------------------------------------------------------------------------
// content.png: a landscape, evaluated point by point and supersampled.
// ---------------------------------------------------------------------------------------

const CONTENT_W: u32 = 256;
const CONTENT_H: u32 = 192;
/// Samples per pixel along each axis.
const CONTENT_SS: u32 = 4;
/// The water line: the lake fills the picture below it and mirrors what is above.
const SHORE: f32 = 152.0;
const SUN: Disc = (212.0, 38.0, 14.0);

fn draw_content() -> Vec<Rgb> {
    let mut out = Vec::with_capacity((CONTENT_W * CONTENT_H) as usize);
    let step = 1.0 / CONTENT_SS as f32;
    for py in 0..CONTENT_H {
        for px in 0..CONTENT_W {
            let mut acc = [0.0; 3];
            for sy in 0..CONTENT_SS {
                for sx in 0..CONTENT_SS {
                    let x = px as f32 + (sx as f32 + 0.5) * step;
                    let y = py as f32 + (sy as f32 + 0.5) * step;
                    let c = scene(x, y);
                    for k in 0..3 {
                        acc[k] += c[k];
                    }
                }
            }
            out.push(scale(acc, step * step));
        }
    }
    out
}

/// The colour of the scene at `(x, y)`, in pixels of the final picture.
fn scene(x: f32, y: f32) -> Rgb {
    if y < SHORE { land(x, y) } else { lake(x, y) }
}

/// The mirrored, rippled and darkened land, with a few glints.
fn lake(x: f32, y: f32) -> Rgb {
    let depth = (y - SHORE) / (CONTENT_H as f32 - SHORE);
    let ripple = 1.4 * (y * 1.9 + 0.4 * (x * 0.11).sin()).sin() * (0.3 + depth);
    let mirrored = land(x + ripple, 2.0 * SHORE - y);
    let water = mix([0.10, 0.26, 0.40], [0.06, 0.17, 0.30], depth);
    let mut c = mix(scale(mirrored, 0.85), water, 0.30 + 0.35 * depth);
    // Thin light streaks on the surface.
    let streak = value_noise(x * 0.06, y * 0.8, 7);
    let glint = smoothstep(0.78, 0.9, streak) * 0.18;
    c = mix(c, [0.85, 0.92, 1.0], glint);
    // A dark band where the bank meets the water.
    let bank = 1.0 - smoothstep(0.0, 2.0, y - SHORE);
    mix(c, [0.16, 0.20, 0.12], 0.7 * bank)
}

fn far_ridge(x: f32) -> f32 {
    98.0 + 9.0 * (x * 0.028 + 1.0).sin() + 5.0 * (x * 0.067 + 0.3).sin()
}

fn near_ridge(x: f32) -> f32 {
    122.0 + 13.0 * (x * 0.021 + 2.2).sin() + 4.0 * (x * 0.055 + 1.0).sin()
}

fn near_ridge_slope(x: f32) -> f32 {
    13.0 * 0.021 * (x * 0.021 + 2.2).cos() + 4.0 * 0.055 * (x * 0.055 + 1.0).cos()
}

fn land(x: f32, y: f32) -> Rgb {
    let mut c = sky(x, y);
    // Distant hills, hazy and blue.
    let far = far_ridge(x);
    if y > far {
        let t = ((y - far) / 25.0).clamp(0.0, 1.0);
        let n = fbm(x * 0.08, y * 0.15, 11, 3) - 0.5;
        c = scale(
            mix([0.52, 0.66, 0.70], [0.40, 0.56, 0.52], t),
            1.0 + 0.12 * n,
        );
    }
    // The near hill: grass lit from the sun on the right.
    let near = near_ridge(x);
    if y > near {
        let below = ((y - near) / 40.0).clamp(0.0, 1.0);
        let light = 1.0 + 0.7 * near_ridge_slope(x) * (1.0 - 0.5 * below);
        let streaks = fbm(x * 0.12, y * 0.5, 23, 4) - 0.5;
        let grass = mix([0.40, 0.68, 0.26], [0.24, 0.50, 0.18], below);
        c = scale(grass, light * (1.0 + 0.25 * streaks));
        // Shadows of the tree and the house, cast to the left, away from the sun.
        let tree_shadow = ellipse(x, y, 100.0, TREE_FOOT - 0.5, 15.0, 2.5);
        let house_shadow = ellipse(x, y, 152.0, HOUSE_FLOOR - 0.5, 18.0, 2.5);
        if tree_shadow || house_shadow {
            c = scale(c, 0.7);
        }
        // A path from the door down to the water, widening towards the viewer.
        let path_half = 5.0 + 0.6 * (y - HOUSE_FLOOR);
        if y > HOUSE_FLOOR && (x - HOUSE_X - 0.3 * (y - HOUSE_FLOOR)).abs() < path_half {
            c = mix(
                [0.78, 0.70, 0.52],
                [0.66, 0.58, 0.42],
                value_noise(x * 0.6, y * 0.6, 37),
            );
        }
        // A sandy bank along the water.
        if y > SHORE - 3.0 + 1.2 * (x * 0.07).sin() {
            c = mix(
                [0.80, 0.72, 0.52],
                [0.62, 0.55, 0.40],
                value_noise(x * 0.5, y, 31),
            );
        }
    }
    if let Some(t) = tree(x, y).or_else(|| house(x, y)).or_else(|| bush(x, y)) {
        c = t;
    }
    c
}

fn ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> bool {
    let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
    dx * dx + dy * dy <= 1.0
}

fn sky(x: f32, y: f32) -> Rgb {
    let t = (y / SHORE).clamp(0.0, 1.0).powf(0.8);
    let mut c = mix([0.20, 0.42, 0.80], [0.82, 0.89, 0.96], t);
    let (sx, sy, sr) = SUN;
    let d = ((x - sx).powi(2) + (y - sy).powi(2)).sqrt();
    if d <= sr {
        return [1.0, 0.94, 0.60];
    }
    c = mix(c, [1.0, 0.93, 0.70], 0.55 * (-(d - sr) / 16.0).exp());
    // Two clouds: unions of discs with flat, shaded bottoms.
    let clouds: [(&[Disc], f32); 2] = [
        (
            &[
                (50.0, 46.0, 9.0),
                (63.0, 38.0, 13.0),
                (80.0, 34.0, 15.0),
                (96.0, 41.0, 11.0),
                (108.0, 46.0, 7.0),
            ],
            52.0,
        ),
        (
            &[
                (140.0, 70.0, 7.0),
                (151.0, 64.0, 10.0),
                (164.0, 67.0, 8.0),
                (174.0, 71.0, 5.0),
            ],
            75.0,
        ),
    ];
    for (discs, bottom) in clouds {
        let inside = y <= bottom
            && discs
                .iter()
                .any(|&(cx, cy, r)| (x - cx).powi(2) + (y - cy).powi(2) <= r * r);
        if inside {
            let top = discs
                .iter()
                .map(|&(_, cy, r)| cy - r)
                .fold(f32::MAX, f32::min);
            let shade = ((y - top) / (bottom - top)).clamp(0.0, 1.0);
            c = mix([1.0, 1.0, 1.0], [0.76, 0.80, 0.88], shade * shade);
        }
    }
    if bird(x, y) {
        c = [0.15, 0.17, 0.22];
    }
    c
}

/// Where the tree trunk meets the grass.
const TREE_FOOT: f32 = 147.0;
/// Where the house walls meet the grass, and the middle of the house.
const HOUSE_FLOOR: f32 = 141.0;
const HOUSE_X: f32 = 168.0;

fn tree(x: f32, y: f32) -> Option<Rgb> {
    // In the tree's own coordinates: y up from the foot of the trunk.
    let (tx, ty) = (x - 112.0, TREE_FOOT - y);
    let canopy: [Disc; 5] = [
        (0.0, 46.0, 12.0),
        (-9.0, 37.0, 10.0),
        (9.0, 38.0, 10.0),
        (0.0, 31.0, 10.0),
        (-4.0, 53.0, 7.0),
    ];
    if canopy
        .iter()
        .any(|&(cx, cy, r)| (tx - cx).powi(2) + (ty - cy).powi(2) <= r * r)
    {
        // Lit from the upper right; darker clumps of leaves.
        let (dx, dy) = (tx / 22.0, (ty - 42.0) / 22.0);
        let light = (1.0 + 0.9 * (0.6 * dx + 0.8 * dy)).clamp(0.6, 1.5);
        let leaves = fbm(x * 0.35, y * 0.35, 41, 3) - 0.5;
        return Some(scale([0.15, 0.40, 0.14], light * (1.0 + 0.6 * leaves)));
    }
    if (-2.5..2.5).contains(&tx) && (0.0..40.0).contains(&ty) {
        let bark =
            1.0 - 0.25 * smoothstep(-0.5, 2.5, tx) + 0.1 * (value_noise(x, y * 0.3, 43) - 0.5);
        return Some(scale([0.42, 0.28, 0.15], bark));
    }
    None
}

/// A round bush beside the house.
fn bush(x: f32, y: f32) -> Option<Rgb> {
    let blobs = [
        (193.0, 137.0, 5.0),
        (199.0, 136.0, 6.0),
        (205.0, 138.5, 4.5),
    ];
    let inside = y <= HOUSE_FLOOR + 1.0
        && blobs
            .iter()
            .any(|&(cx, cy, r)| (x - cx).powi(2) + (y - cy).powi(2) <= r * r);
    inside.then(|| {
        let light = 1.0 + 0.05 * (x - 199.0) - 0.04 * (y - 136.0);
        let leaves = fbm(x * 0.5, y * 0.5, 47, 2) - 0.5;
        scale([0.20, 0.46, 0.17], light * (1.0 + 0.5 * leaves))
    })
}

fn house(x: f32, y: f32) -> Option<Rgb> {
    // In the house's own coordinates: x from its middle, y up from the floor.
    let (hx, hy) = (x - HOUSE_X, HOUSE_FLOOR - y);
    const HALF: f32 = 18.0;
    const EAVES: f32 = 27.0;
    const APEX: f32 = 48.0;
    const OVERHANG: f32 = 5.0;
    // Roof: a triangle over the walls, with rows of tiles, lit on the sunny side.
    let roof_half = (HALF + OVERHANG) * (APEX - hy) / (APEX - EAVES);
    if (EAVES..=APEX).contains(&hy) && hx.abs() <= roof_half {
        let row = ((hy - EAVES) / 4.0).fract();
        let tile = if row < 0.18 { 0.72 } else { 1.0 };
        let side = if hx > 0.0 { 1.1 } else { 0.88 };
        return Some(scale([0.66, 0.22, 0.15], tile * side));
    }
    // Chimney, behind the roof.
    if (6.0..12.0).contains(&hx) && (EAVES..APEX).contains(&hy) {
        return Some(if hy > APEX - 2.0 {
            [0.35, 0.20, 0.16]
        } else {
            [0.55, 0.30, 0.24]
        });
    }
    if !(-HALF..HALF).contains(&hx) || !(0.0..EAVES).contains(&hy) {
        return None;
    }
    // Door with a knob.
    if (-5.0..5.0).contains(&hx) && hy < 17.0 {
        if (hx - 3.0).powi(2) + (hy - 8.0).powi(2) <= 1.0 {
            return Some([0.90, 0.78, 0.30]);
        }
        let planks = if ((hx + 5.0) / 3.33).fract() < 0.12 {
            0.8
        } else {
            1.0
        };
        return Some(scale([0.40, 0.22, 0.12], planks));
    }
    // Two windows with frames and crossed mullions.
    for wx in [-15.0, 9.0] {
        let (wy, size) = (8.0, 7.0);
        let in_frame =
            (wx - 1.0..wx + size + 1.0).contains(&hx) && (wy - 1.0..wy + size + 1.0).contains(&hy);
        let in_glass = (wx..wx + size).contains(&hx) && (wy..wy + size).contains(&hy);
        if in_glass {
            let mullion =
                (hx - (wx + size / 2.0)).abs() < 0.5 || (hy - (wy + size / 2.0)).abs() < 0.5;
            if mullion {
                return Some([0.95, 0.95, 0.92]);
            }
            return Some(mix(
                [0.25, 0.40, 0.62],
                [0.50, 0.70, 0.90],
                (hy - wy) / size,
            ));
        }
        if in_frame {
            return Some([0.97, 0.97, 0.95]);
        }
    }
    // Walls, a little shadow under the eaves.
    let under_eaves = 1.0 - 0.25 * smoothstep(EAVES - 3.0, EAVES, hy);
    Some(scale([0.94, 0.86, 0.68], under_eaves))
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / (abx * abx + aby * aby)).clamp(0.0, 1.0);
    ((p.0 - a.0 - t * abx).powi(2) + (p.1 - a.1 - t * aby).powi(2)).sqrt()
}

/// A few birds: two short wings each.
fn bird(x: f32, y: f32) -> bool {
    [(128.0, 28.0, 4.0), (139.0, 22.0, 3.0), (146.0, 31.0, 3.5)]
        .iter()
        .any(|&(bx, by, span)| {
            let body = (bx, by);
            let (left, right) = ((bx - span, by - span * 0.55), (bx + span, by - span * 0.55));
            segment_distance((x, y), left, body).min(segment_distance((x, y), body, right)) < 0.55
        })
}

// ---------------------------------------------------------------------------------------
// style.png: brush strokes along a flow field.
// ---------------------------------------------------------------------------------------

const STYLE_SIZE: u32 = 256;
/// The canvas is painted at this multiple of the final size, then averaged down.
const STYLE_SS: usize = 2;

/// Night-sky palette.
const NAVY: Rgb = [0.04, 0.09, 0.28];
const ULTRAMARINE: Rgb = [0.09, 0.22, 0.58];
const COBALT: Rgb = [0.18, 0.38, 0.74];
const SKY_BLUE: Rgb = [0.42, 0.62, 0.86];
const TEAL: Rgb = [0.20, 0.44, 0.48];
const PALE: Rgb = [0.88, 0.92, 0.90];
const YELLOW: Rgb = [0.98, 0.84, 0.26];
const OCHRE: Rgb = [0.84, 0.60, 0.16];

/// Vortices of the flow field: centre, radius (in units of the canvas) and strength.
const VORTICES: [(f32, f32, f32, f32); 6] = [
    (0.30, 0.34, 0.15, 0.60),
    (0.82, 0.18, 0.12, 0.55),
    (0.18, 0.78, 0.10, 0.50),
    (0.55, 0.12, 0.07, -0.45),
    (0.92, 0.70, 0.07, 0.40),
    (0.62, 0.60, 0.20, -0.45),
];

/// Glowing "stars": centre and radius, in units of the canvas.
const STARS: [Disc; 5] = [
    (0.82, 0.18, 0.11),
    (0.30, 0.34, 0.09),
    (0.55, 0.12, 0.05),
    (0.18, 0.78, 0.06),
    (0.92, 0.70, 0.05),
];

/// Stream function of the flow; strokes follow its level lines.
fn stream(u: f32, v: f32) -> f32 {
    let mut psi = 0.30 * v
        + 0.05 * (2.0 * PI * 1.1 * u + 1.3).sin() * (2.0 * PI * 0.9 * v + 0.4).cos()
        + 0.025 * (2.0 * PI * (1.7 * u - 1.2 * v) + 2.0).sin()
        + 0.008 * (2.0 * PI * (3.1 * u + 2.3 * v)).sin();
    for (cx, cy, r, s) in VORTICES {
        let d2 = (u - cx).powi(2) + (v - cy).powi(2);
        psi += s * r * (-d2 / (r * r)).exp();
    }
    psi
}

/// The unit direction of the flow at `(u, v)`.
fn flow(u: f32, v: f32) -> (f32, f32) {
    let e = 1e-3;
    let dpsi_du = (stream(u + e, v) - stream(u - e, v)) / (2.0 * e);
    let dpsi_dv = (stream(u, v + e) - stream(u, v - e)) / (2.0 * e);
    let (fx, fy) = (dpsi_dv, -dpsi_du);
    let n = (fx * fx + fy * fy).sqrt().max(1e-6);
    (fx / n, fy / n)
}

/// How much starlight there is at `(u, v)`, in `[0, 1]`.
fn glow(u: f32, v: f32) -> f32 {
    STARS
        .iter()
        .map(|&(cx, cy, r)| (-((u - cx).powi(2) + (v - cy).powi(2)) / (r * r)).exp())
        .fold(0.0, f32::max)
}

/// The paint a stroke starting at `(u, v)` picks up.
fn pick_colour(u: f32, v: f32, rng: &mut SplitMix64) -> Rgb {
    let g = glow(u, v) + 0.15 * (rng.unit() - 0.5);
    let n = fbm(u * 5.0, v * 5.0, 101, 3) + 0.25 * (rng.unit() - 0.5);
    let base = if g > 0.75 {
        if rng.unit() < 0.35 { PALE } else { YELLOW }
    } else if g > 0.45 {
        if rng.unit() < 0.5 {
            YELLOW
        } else {
            mix(OCHRE, YELLOW, rng.unit())
        }
    } else if g > 0.22 {
        match (rng.unit() * 3.0) as u32 {
            0 => SKY_BLUE,
            1 => PALE,
            _ => mix(SKY_BLUE, YELLOW, 0.4),
        }
    } else if n < 0.38 {
        mix(NAVY, ULTRAMARINE, rng.unit())
    } else if n < 0.52 {
        mix(ULTRAMARINE, COBALT, rng.unit())
    } else if n < 0.64 {
        if rng.unit() < 0.3 { TEAL } else { COBALT }
    } else if rng.unit() < 0.12 {
        PALE
    } else {
        mix(COBALT, SKY_BLUE, rng.unit())
    };
    let jitter = 0.06;
    base.map(|c| (c + jitter * (rng.unit() - 0.5)).clamp(0.0, 1.0))
}

/// One pass of strokes of a given breadth.
struct Pass {
    strokes: usize,
    width: f32,
    length: (f32, f32),
    opacity: f32,
    /// Only paint where the starlight is at least this strong.
    min_glow: f32,
}

fn draw_style() -> Vec<Rgb> {
    let n = STYLE_SIZE as usize * STYLE_SS;
    let mut rng = SplitMix64(0x1A2B_3C4D_5E6F_7081);
    // Underpainting: a mottled blue ground.
    let mut canvas: Vec<Rgb> = (0..n * n)
        .map(|i| {
            let (u, v) = ((i % n) as f32 / n as f32, (i / n) as f32 / n as f32);
            let m = fbm(u * 6.0, v * 6.0, 5, 4);
            mix(mix(NAVY, COBALT, m), YELLOW, 0.6 * glow(u, v))
        })
        .collect();
    let s = STYLE_SS as f32;
    let passes = [
        Pass {
            strokes: 700,
            width: 11.0 * s,
            length: (25.0 * s, 55.0 * s),
            opacity: 0.9,
            min_glow: 0.0,
        },
        Pass {
            strokes: 2200,
            width: 6.0 * s,
            length: (14.0 * s, 36.0 * s),
            opacity: 0.9,
            min_glow: 0.0,
        },
        Pass {
            strokes: 3500,
            width: 3.2 * s,
            length: (8.0 * s, 22.0 * s),
            opacity: 0.85,
            min_glow: 0.0,
        },
        Pass {
            strokes: 900,
            width: 2.2 * s,
            length: (6.0 * s, 16.0 * s),
            opacity: 0.95,
            min_glow: 0.15,
        },
    ];
    for pass in &passes {
        let mut painted = 0;
        while painted < pass.strokes {
            let (x, y) = (
                rng.range(-8.0, n as f32 + 8.0),
                rng.range(-8.0, n as f32 + 8.0),
            );
            if glow(x / n as f32, y / n as f32) < pass.min_glow {
                // The finest accents go around the stars only.
                continue;
            }
            stroke(&mut canvas, n, (x, y), pass, &mut rng);
            painted += 1;
        }
    }
    downsample(&canvas, n, n, STYLE_SS)
}

/// Paints one stroke from `start` along the flow: overlapping soft dabs whose coverage
/// is merged (maximum) before the stroke is laid on the canvas, so it reads as one
/// stroke, with bristle streaks across it.
fn stroke(canvas: &mut [Rgb], n: usize, start: (f32, f32), pass: &Pass, rng: &mut SplitMix64) {
    let colour = pick_colour(start.0 / n as f32, start.1 / n as f32, rng);
    let length = rng.range(pass.length.0, pass.length.1);
    let width = pass.width * rng.range(0.75, 1.25);
    let radius = width / 2.0;
    let sign = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
    let bristles: Vec<f32> = (0..12).map(|_| rng.range(0.45, 1.0)).collect();
    let tint = rng.range(-0.05, 0.05);

    // Trace the centre line.
    let step = (radius * 0.4).max(0.75);
    let steps = (length / step).ceil() as usize;
    let mut path = Vec::with_capacity(steps + 1);
    let (mut x, mut y) = start;
    for _ in 0..=steps {
        let (dx, dy) = flow(x / n as f32, y / n as f32);
        path.push((x, y, sign * dx, sign * dy));
        x += sign * dx * step;
        y += sign * dy * step;
    }

    // Bounding box of the stroke, clipped to the canvas.
    let pad = radius + 1.0;
    let x0 = path.iter().map(|p| p.0).fold(f32::MAX, f32::min) - pad;
    let x1 = path.iter().map(|p| p.0).fold(f32::MIN, f32::max) + pad;
    let y0 = path.iter().map(|p| p.1).fold(f32::MAX, f32::min) - pad;
    let y1 = path.iter().map(|p| p.1).fold(f32::MIN, f32::max) + pad;
    let (bx0, by0) = (x0.floor().max(0.0) as usize, y0.floor().max(0.0) as usize);
    let (bx1, by1) = (
        (x1.ceil().max(0.0) as usize).min(n),
        (y1.ceil().max(0.0) as usize).min(n),
    );
    if bx0 >= bx1 || by0 >= by1 {
        return;
    }
    let (bw, bh) = (bx1 - bx0, by1 - by0);
    let mut alpha = vec![0.0f32; bw * bh];
    let mut shade = vec![1.0f32; bw * bh];

    for (k, &(cx, cy, dx, dy)) in path.iter().enumerate() {
        let t = k as f32 / steps.max(1) as f32;
        // Pressure: the brush lands, drags and lifts off.
        let pressure = smoothstep(0.0, 0.15, t) * (1.0 - smoothstep(0.75, 1.0, t));
        let r = radius * (0.55 + 0.45 * pressure);
        let a = pass.opacity * (0.35 + 0.65 * pressure);
        // Paint runs thin along the stroke.
        let along = 1.0 + tint * (2.0 * t - 1.0) - 0.08 * t;
        let xa = ((cx - r).floor().max(bx0 as f32) as usize).max(bx0);
        let xb = ((cx + r).ceil() as usize + 1).min(bx1);
        let ya = ((cy - r).floor().max(by0 as f32) as usize).max(by0);
        let yb = ((cy + r).ceil() as usize + 1).min(by1);
        for py in ya..yb {
            for px in xa..xb {
                let (ox, oy) = (px as f32 + 0.5 - cx, py as f32 + 0.5 - cy);
                let d = (ox * ox + oy * oy).sqrt() / r;
                if d >= 1.0 {
                    continue;
                }
                // Position across the stroke, -1..1, picks the bristle.
                let across = ((-dy * ox + dx * oy) / r).clamp(-1.0, 1.0);
                let b = (across + 1.0) / 2.0 * (bristles.len() - 1) as f32;
                let (i, f) = (b.floor() as usize, b.fract());
                let bristle = lerp(bristles[i], bristles[(i + 1).min(bristles.len() - 1)], f);
                let cover = a * (1.0 - smoothstep(0.6, 1.0, d)) * (0.55 + 0.45 * bristle);
                let idx = (py - by0) * bw + (px - bx0);
                if cover > alpha[idx] {
                    alpha[idx] = cover;
                    shade[idx] = along * (0.82 + 0.3 * bristle);
                }
            }
        }
    }

    for py in by0..by1 {
        for px in bx0..bx1 {
            let idx = (py - by0) * bw + (px - bx0);
            let a = alpha[idx];
            if a > 0.0 {
                let paint = scale(colour, shade[idx]).map(|c| c.clamp(0.0, 1.0));
                let dst = &mut canvas[py * n + px];
                *dst = mix(*dst, paint, a);
            }
        }
    }
}
