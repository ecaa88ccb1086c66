//! Synthetic frame pairs with exact flow, shared by the tests and the `flow_accuracy`
//! example (which includes this file by path).
#![allow(dead_code)]

use std::path::PathBuf;

use image::{Rgb, Rgb32FImage};
use impasto_flow::FlowField;

/// Two frames and the exact flow from the first to the second.
pub struct Sequence {
    pub first: Rgb32FImage,
    pub second: Rgb32FImage,
    pub flow: FlowField,
}

impl Sequence {
    /// True where `x + w(x)` lies in the second frame, `margin` px from its border
    /// (pixels whose content leaves the frame have no answer to compare with).
    pub fn stays_in_frame(&self, x: u32, y: u32, margin: f32) -> bool {
        let [u, v] = self.flow.get(x, y).unwrap();
        let (tx, ty) = (x as f32 + u, y as f32 + v);
        let (w, h) = (self.flow.width() as f32, self.flow.height() as f32);
        tx >= margin && ty >= margin && tx <= w - 1.0 - margin && ty <= h - 1.0 - margin
    }

    /// Average end-point error of `flow` over the pixels that stay in frame.
    pub fn epe(&self, flow: &FlowField) -> f64 {
        flow.average_endpoint_error(&self.flow, |x, y| self.stays_in_frame(x, y, 0.0))
            .unwrap()
            .unwrap()
    }
}

/// A smooth procedural RGB texture defined at every real point: 14 plane waves with
/// wavelengths from 8 to 40 px in golden-angle directions, each channel its own
/// phases. Evaluated exactly at moved coordinates, it gives frames with no
/// interpolation error, so the flow between them is known exactly.
pub fn texture(x: f32, y: f32) -> Rgb<f32> {
    const WAVES: usize = 14;
    let mut out = [0.0f32; 3];
    for (c, value) in out.iter_mut().enumerate() {
        let mut sum = 0.0;
        for i in 0..WAVES {
            let angle = i as f32 * 2.399_963 + c as f32 * 0.7;
            let wavelength = 8.0 * 5.0f32.powf(i as f32 / (WAVES - 1) as f32);
            let k = std::f32::consts::TAU / wavelength;
            let phase = ((i * 7 + c * 13) as f32 * 1.618_034).fract() * std::f32::consts::TAU;
            sum += (k * (x * angle.cos() + y * angle.sin()) + phase).sin();
        }
        *value = 0.5 + 0.5 * sum / (WAVES as f32).sqrt() / 1.5;
    }
    Rgb(out)
}

/// A second, different texture (for moving objects).
pub fn texture2(x: f32, y: f32) -> Rgb<f32> {
    let Rgb([r, g, b]) = texture(0.8 * y + 311.0, 1.1 * x - 97.0);
    Rgb([1.0 - g, b, r])
}

/// The texture translated by `shift` px: `second(x) = first(x − shift)`.
pub fn shifted(w: u32, h: u32, shift: [f32; 2]) -> Sequence {
    Sequence {
        first: Rgb32FImage::from_fn(w, h, |x, y| texture(x as f32, y as f32)),
        second: Rgb32FImage::from_fn(w, h, |x, y| {
            texture(x as f32 - shift[0], y as f32 - shift[1])
        }),
        flow: FlowField::from_fn(w, h, |_, _| shift),
    }
}

/// The texture zoomed by `scale` about the frame's centre `c`: the content at `x` moves
/// to `c + scale·(x − c)`.
pub fn zoomed(w: u32, h: u32, scale: f32) -> Sequence {
    let (cx, cy) = ((w - 1) as f32 / 2.0, (h - 1) as f32 / 2.0);
    Sequence {
        first: Rgb32FImage::from_fn(w, h, |x, y| texture(x as f32, y as f32)),
        second: Rgb32FImage::from_fn(w, h, |x, y| {
            texture(cx + (x as f32 - cx) / scale, cy + (y as f32 - cy) / scale)
        }),
        flow: FlowField::from_fn(w, h, |x, y| {
            [
                (scale - 1.0) * (x as f32 - cx),
                (scale - 1.0) * (y as f32 - cy),
            ]
        }),
    }
}

/// A square of side `side` with its own texture, corner `corner` in the first frame,
/// moving by `square_shift` over the background moving by `background_shift`.
pub struct Occlusion {
    pub sequence: Sequence,
    pub corner: [f32; 2],
    pub side: f32,
    pub square_shift: [f32; 2],
    pub background_shift: [f32; 2],
}

impl Occlusion {
    pub fn new(
        w: u32,
        h: u32,
        corner: [f32; 2],
        side: f32,
        square_shift: [f32; 2],
        background_shift: [f32; 2],
    ) -> Self {
        let frame = |offset: [f32; 2], bg: [f32; 2]| {
            Rgb32FImage::from_fn(w, h, |x, y| {
                let (x, y) = (x as f32, y as f32);
                let (sx, sy) = (x - corner[0] - offset[0], y - corner[1] - offset[1]);
                if (0.0..side).contains(&sx) && (0.0..side).contains(&sy) {
                    texture2(sx, sy)
                } else {
                    texture(x - bg[0], y - bg[1])
                }
            })
        };
        let scene = Self {
            sequence: Sequence {
                first: frame([0.0; 2], [0.0; 2]),
                second: frame(square_shift, background_shift),
                flow: FlowField::zeros(w, h),
            },
            corner,
            side,
            square_shift,
            background_shift,
        };
        let flow = FlowField::from_fn(w, h, |x, y| {
            if scene.in_square(x as f32, y as f32, [0.0; 2], 0.0) {
                square_shift
            } else {
                background_shift
            }
        });
        Self {
            sequence: Sequence {
                flow,
                ..scene.sequence
            },
            ..scene
        }
    }

    /// True when `(x, y)` lies in the square displaced by `offset`, shrunk by `margin`
    /// (negative: grown).
    pub fn in_square(&self, x: f32, y: f32, offset: [f32; 2], margin: f32) -> bool {
        let (sx, sy) = (
            x - self.corner[0] - offset[0],
            y - self.corner[1] - offset[1],
        );
        sx >= margin && sy >= margin && sx < self.side - margin && sy < self.side - margin
    }

    /// True for background pixels of the first frame hidden by the square in the
    /// second: occluded.
    pub fn occluded(&self, x: f32, y: f32, margin: f32) -> bool {
        let [bu, bv] = self.background_shift;
        !self.in_square(x, y, [0.0; 2], -margin)
            && self.in_square(x + bu, y + bv, self.square_shift, margin)
    }
}

/// The shared photographs' folder, or `None` with the reason printed.
pub fn photo(name: &str) -> Option<Rgb32FImage> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "..",
        "shared",
        "images",
        name,
    ]
    .iter()
    .collect();
    match image::open(&path) {
        Ok(image) => Some(image.to_rgb32f()),
        Err(e) => {
            println!("skipped: {} unavailable ({e})", path.display());
            None
        }
    }
}

/// Bilinear RGB of `image` at real coordinates (clamped to the image): the four pixels
/// around the point, each weighted by the area of the opposite sub-rectangle, summed in
/// f64. Written from the definition, not as the crate's own sampler (`warp.rs`), so that
/// the frames it renders do not share that sampler's mistakes.
pub fn sample(image: &Rgb32FImage, x: f32, y: f32) -> Rgb<f32> {
    let (w, h) = image.dimensions();
    let x = f64::from(x).clamp(0.0, f64::from(w - 1));
    let y = f64::from(y).clamp(0.0, f64::from(h - 1));
    let (left, top) = (x.floor(), y.floor());
    let (fx, fy) = (x - left, y - top);
    let pixel = |dx: u32, dy: u32| {
        let column = (left as u32 + dx).min(w - 1);
        let row = (top as u32 + dy).min(h - 1);
        image.get_pixel(column, row).0.map(f64::from)
    };
    let corners = [
        (pixel(0, 0), (1.0 - fx) * (1.0 - fy)),
        (pixel(1, 0), fx * (1.0 - fy)),
        (pixel(0, 1), (1.0 - fx) * fy),
        (pixel(1, 1), fx * fy),
    ];
    Rgb(std::array::from_fn(|k| {
        corners.iter().map(|(p, weight)| weight * p[k]).sum::<f64>() as f32
    }))
}

/// A `size`-px square crop of `photo`, centred, and the same crop moved so that its
/// content moves by `shift` (pan). Both frames are sampled at a quarter-pixel offset so
/// that both go through the same bilinear interpolation.
pub fn photo_pan(photo: &Rgb32FImage, size: u32, shift: [f32; 2]) -> Sequence {
    let (ox, oy) = (
        (photo.width() - size) as f32 / 2.0 + 0.25,
        (photo.height() - size) as f32 / 2.0 + 0.25,
    );
    Sequence {
        first: Rgb32FImage::from_fn(size, size, |x, y| {
            sample(photo, ox + x as f32, oy + y as f32)
        }),
        second: Rgb32FImage::from_fn(size, size, |x, y| {
            sample(photo, ox + x as f32 - shift[0], oy + y as f32 - shift[1])
        }),
        flow: FlowField::from_fn(size, size, |_, _| shift),
    }
}

/// As [`photo_pan`], the second frame zoomed by `scale` about the crop's centre.
pub fn photo_zoom(photo: &Rgb32FImage, size: u32, scale: f32) -> Sequence {
    let (ox, oy) = (
        (photo.width() - size) as f32 / 2.0 + 0.25,
        (photo.height() - size) as f32 / 2.0 + 0.25,
    );
    let c = (size - 1) as f32 / 2.0;
    Sequence {
        first: Rgb32FImage::from_fn(size, size, |x, y| {
            sample(photo, ox + x as f32, oy + y as f32)
        }),
        second: Rgb32FImage::from_fn(size, size, |x, y| {
            sample(
                photo,
                ox + c + (x as f32 - c) / scale,
                oy + c + (y as f32 - c) / scale,
            )
        }),
        flow: FlowField::from_fn(size, size, |x, y| {
            [
                (scale - 1.0) * (x as f32 - c),
                (scale - 1.0) * (y as f32 - c),
            ]
        }),
    }
}
