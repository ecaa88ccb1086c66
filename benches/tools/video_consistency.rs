//! Temporal consistency of stylised frame sequences, on a synthetic camera move over a
//! photo whose motion is known exactly (docs/video.md, "Temporal consistency").
//!
//! ```text
//! cargo run --release --example video_consistency -- make PHOTO DIR [FRAMES] [WIDTH] [HEIGHT]
//! cargo run --release --example video_consistency -- independent DIR STYLE WEIGHTS OUT_DIR
//! cargo run --release --example video_consistency -- measure DIR STYLISED_DIR...
//! cargo run --release --example video_consistency -- strip DIR OUT.png FIRST COUNT STYLISED_DIR...
//! ```
//!
//! - `make` writes `FRAMES` frames (default 30) of `WIDTH × HEIGHT` (default 256 × 192),
//!   `DIR/0001.png`, …: a window over `PHOTO` that pans right and a little up and zooms
//!   in by 1 % a frame (about 2 px of motion a frame at the frame's centre, more at its
//!   edges). `DIR/motion.txt` holds each frame's window (centre and photo pixels per frame
//!   pixel), from which the exact flow between frames follows.
//! - `independent` stylises every frame on its own with the library's defaults at the
//!   frame size (a photo start: each frame is a normal transfer), into
//!   `OUT_DIR/0001.png`, …; frames already there are skipped.
//! - `measure` prints, for the content frames and each stylised sequence, the mean
//!   warping error between consecutive frames: frame t−1 brought into frame t by the
//!   exact flow (bilinear), `E_t = mean over pixels and channels of (S_t − warp(S_{t−1}))²`
//!   over the pixels whose source lies inside frame t−1 (pixels in [0, 1]; a pure camera
//!   move has no other occlusion). The content frames' error is the floor that
//!   resampling alone leaves. With `VIDEO_PAIRS` set it prints every pair's error too
//!   (where the seams of a video run in segments are).
//! - `strip` draws `COUNT` consecutive frames from `FIRST`: a row of content frames, then
//!   a row per stylised sequence, each ending with the last pair's error map
//!   `|S_t − warp(S_{t−1})|` (×4).

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use image::{Rgb, Rgb32FImage, RgbImage};
use impasto::image::{load_image, save_image};
use impasto::{StyleTransfer, WeightsSource};
use impasto_flow::{FlowField, warp};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or("missing argument");
    match arg(0)? {
        "make" => {
            let frames = args.get(3).map_or(Ok(30), |s| s.parse())?;
            let width = args.get(4).map_or(Ok(256), |s| s.parse())?;
            let height = args.get(5).map_or(Ok(192), |s| s.parse())?;
            make(
                Path::new(arg(1)?),
                Path::new(arg(2)?),
                frames,
                width,
                height,
            )
        }
        "independent" => independent(
            Path::new(arg(1)?),
            arg(2)?,
            PathBuf::from(arg(3)?),
            Path::new(arg(4)?),
        ),
        "measure" => measure(Path::new(arg(1)?), &args[2..]),
        "strip" => strip(
            Path::new(arg(1)?),
            Path::new(arg(2)?),
            arg(3)?.parse()?,
            arg(4)?.parse()?,
            &args[5..],
        ),
        other => {
            Err(format!("unknown command {other}: make, independent, measure or strip").into())
        }
    }
}

/// One frame's window over the photo: frame pixel `x` shows photo point
/// `centre + scale · (x − frame centre)`.
#[derive(Clone, Copy)]
struct Window {
    centre: [f64; 2],
    scale: f64,
}

fn make(
    photo: &Path,
    dir: &Path,
    frames: usize,
    width: u32,
    height: u32,
) -> Result<(), Box<dyn Error>> {
    let photo = load_image(photo)?;
    let (pw, ph) = (f64::from(photo.width()), f64::from(photo.height()));
    fs::create_dir_all(dir)?;
    // The first window covers 70 % of the photo's width, left of centre; then 0.8 % of
    // the photo's width to the right and 0.1 % up per frame, zooming in 1 % per frame.
    let scale0 = 0.7 * pw / f64::from(width);
    let mut motion = String::from("# frame centre_x centre_y scale (photo px per frame px)\n");
    for t in 0..frames {
        let window = Window {
            centre: [
                0.4 * pw + 0.008 * pw * t as f64,
                0.5 * ph - 0.001 * pw * t as f64,
            ],
            scale: scale0 * 0.99f64.powi(t as i32),
        };
        let frame = render(&photo, window, width, height);
        save_image(&to_u8(&frame), dir.join(format!("{:04}.png", t + 1)))?;
        motion.push_str(&format!(
            "{} {} {} {}\n",
            t + 1,
            window.centre[0],
            window.centre[1],
            window.scale
        ));
    }
    fs::write(dir.join("motion.txt"), motion)?;
    println!(
        "wrote {frames} frames of {width}x{height} and motion.txt to {}",
        dir.display()
    );
    Ok(())
}

/// The frame seen through `window`: each pixel the mean of 4 × 4 bilinear samples over
/// its footprint in the photo (the window is larger than the frame: no aliasing).
fn render(photo: &Rgb32FImage, window: Window, width: u32, height: u32) -> Rgb32FImage {
    const K: usize = 4;
    let (mx, my) = (f64::from(width - 1) / 2.0, f64::from(height - 1) / 2.0);
    Rgb32FImage::from_fn(width, height, |x, y| {
        let mut sum = [0.0f64; 3];
        for i in 0..K {
            for j in 0..K {
                let dx = (i as f64 + 0.5) / K as f64 - 0.5;
                let dy = (j as f64 + 0.5) / K as f64 - 0.5;
                let px = window.centre[0] + window.scale * (f64::from(x) + dx - mx);
                let py = window.centre[1] + window.scale * (f64::from(y) + dy - my);
                let c = bilinear(photo, px, py);
                for (s, v) in sum.iter_mut().zip(c) {
                    *s += f64::from(v);
                }
            }
        }
        Rgb(sum.map(|s| (s / (K * K) as f64) as f32))
    })
}

fn bilinear(image: &Rgb32FImage, x: f64, y: f64) -> [f32; 3] {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let x = x.clamp(0.0, (w - 1) as f64);
    let y = y.clamp(0.0, (h - 1) as f64);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let p = |x: i64, y: i64| image.get_pixel(x as u32, y as u32).0;
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    std::array::from_fn(|k| {
        (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy
    })
}

fn read_motion(dir: &Path) -> Result<Vec<Window>, Box<dyn Error>> {
    let text = fs::read_to_string(dir.join("motion.txt"))?;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let v: Vec<f64> = line
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()?;
            Ok(Window {
                centre: [v[1], v[2]],
                scale: v[3],
            })
        })
        .collect()
}

/// The exact backward flow, frame t → frame t − 1: where each pixel of frame t was in
/// frame t − 1.
fn exact_flow(now: Window, before: Window, width: u32, height: u32) -> FlowField {
    let (mx, my) = (f64::from(width - 1) / 2.0, f64::from(height - 1) / 2.0);
    FlowField::from_fn(width, height, |x, y| {
        let px = now.centre[0] + now.scale * (f64::from(x) - mx);
        let py = now.centre[1] + now.scale * (f64::from(y) - my);
        let bx = (px - before.centre[0]) / before.scale + mx;
        let by = (py - before.centre[1]) / before.scale + my;
        [(bx - f64::from(x)) as f32, (by - f64::from(y)) as f32]
    })
}

fn independent(
    dir: &Path,
    style: &str,
    weights: PathBuf,
    out: &Path,
) -> Result<(), Box<dyn Error>> {
    fs::create_dir_all(out)?;
    let frames = read_motion(dir)?.len();
    let device = Device::flex();
    let started = Instant::now();
    for t in 1..=frames {
        let output = out.join(format!("{t:04}.png"));
        if output.exists() {
            continue;
        }
        let frame = dir.join(format!("{t:04}.png"));
        let (w, h) = image::image_dimensions(&frame)?;
        let frame_started = Instant::now();
        let result = StyleTransfer::new(frame.as_path(), vec![style.into()])
            .with_weights(WeightsSource::Path(weights.clone()))
            .with_size(w.max(h))
            .run(&device, &mut ())?;
        save_image(&result.image, &output)?;
        let report = &result.report;
        let best = report
            .best_record()
            .ok_or("the report has no best record")?;
        println!(
            "frame {t}/{frames}: loss {:.4e}, content {:.4e}, style {:.4e}, {:.1} s",
            best.loss,
            best.content,
            best.style,
            frame_started.elapsed().as_secs_f64()
        );
    }
    println!(
        "{frames} frames in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn frame_paths(dir: &Path, count: usize) -> Vec<PathBuf> {
    (1..=count)
        .map(|t| dir.join(format!("{t:04}.png")))
        .collect()
}

/// `(sum of squared differences, pixels counted, error map)` of frame `now` against
/// `before` warped into it by the exact flow.
fn pair_error(
    before: &Rgb32FImage,
    now: &Rgb32FImage,
    flow: &FlowField,
) -> Result<(f64, usize, Vec<f32>), Box<dyn Error>> {
    let warped = warp(before, flow)?;
    let mut sum = 0.0;
    let mut count = 0;
    let mut map = vec![0.0f32; (now.width() * now.height()) as usize];
    for (i, (a, b)) in now.pixels().zip(warped.image.pixels()).enumerate() {
        if !warped.valid[i] {
            continue;
        }
        let e: f32 = (0..3).map(|k| (a.0[k] - b.0[k]).abs()).sum::<f32>() / 3.0;
        map[i] = e;
        sum += (0..3)
            .map(|k| f64::from(a.0[k] - b.0[k]).powi(2))
            .sum::<f64>()
            / 3.0;
        count += 1;
    }
    Ok((sum, count, map))
}

fn measure(dir: &Path, stylised: &[String]) -> Result<(), Box<dyn Error>> {
    let motion = read_motion(dir)?;
    let frames = motion.len();
    println!("| frames | mean warping error (×10⁻³) | RMS (8-bit levels) | worst pair (×10⁻³) |");
    println!("|---|---|---|---|");
    let sequences = std::iter::once(dir.to_path_buf()).chain(stylised.iter().map(PathBuf::from));
    for seq in sequences {
        let images = frame_paths(&seq, frames)
            .iter()
            .map(load_image)
            .collect::<Result<Vec<_>, _>>()?;
        let (w, h) = images[0].dimensions();
        let mut errors = Vec::with_capacity(frames - 1);
        for t in 1..frames {
            let flow = exact_flow(motion[t], motion[t - 1], w, h);
            let (sum, count, _) = pair_error(&images[t - 1], &images[t], &flow)?;
            errors.push(sum / count.max(1) as f64);
        }
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        let worst = errors.iter().copied().fold(0.0, f64::max);
        if std::env::var_os("VIDEO_PAIRS").is_some() {
            // Every pair, e.g. to find the seams of a video run in segments.
            let pairs: Vec<String> = errors
                .iter()
                .enumerate()
                .map(|(t, e)| format!("{}→{}: {:.3}", t + 1, t + 2, e * 1e3))
                .collect();
            println!("{} pairs (×10⁻³): {}", seq.display(), pairs.join(", "));
        }
        println!(
            "| {} | {:.3} | {:.1} | {:.3} |",
            seq.display(),
            mean * 1e3,
            mean.sqrt() * 255.0,
            worst * 1e3
        );
    }
    Ok(())
}

fn strip(
    dir: &Path,
    out: &Path,
    first: usize,
    count: usize,
    stylised: &[String],
) -> Result<(), Box<dyn Error>> {
    let motion = read_motion(dir)?;
    let rows: Vec<PathBuf> = std::iter::once(dir.to_path_buf())
        .chain(stylised.iter().map(PathBuf::from))
        .collect();
    let probe = load_image(dir.join(format!("{first:04}.png")))?;
    let (w, h) = probe.dimensions();
    let gap = 4;
    let cols = count as u32 + 1;
    let mut canvas = RgbImage::from_pixel(
        cols * (w + gap) - gap,
        rows.len() as u32 * (h + gap) - gap,
        Rgb([255, 255, 255]),
    );
    for (r, seq) in rows.iter().enumerate() {
        let mut previous = None;
        let mut last_map = None;
        for c in 0..count {
            let t = first + c;
            let image = load_image(seq.join(format!("{t:04}.png")))?;
            if let Some(before) = &previous {
                let flow = exact_flow(motion[t - 1], motion[t - 2], w, h);
                last_map = Some(pair_error(before, &image, &flow)?.2);
            }
            blit(
                &mut canvas,
                &to_u8(&image),
                c as u32 * (w + gap),
                r as u32 * (h + gap),
            );
            previous = Some(image);
        }
        if let Some(map) = last_map {
            let view = RgbImage::from_fn(w, h, |x, y| {
                let v = (map[(y * w + x) as usize] * 4.0 * 255.0).clamp(0.0, 255.0) as u8;
                Rgb([v, v, v])
            });
            blit(
                &mut canvas,
                &view,
                count as u32 * (w + gap),
                r as u32 * (h + gap),
            );
        }
    }
    save_image(&canvas, out)?;
    println!("wrote {}", out.display());
    Ok(())
}

fn blit(canvas: &mut RgbImage, image: &RgbImage, x0: u32, y0: u32) {
    for (x, y, p) in image.enumerate_pixels() {
        canvas.put_pixel(x0 + x, y0 + y, *p);
    }
}

fn to_u8(image: &Rgb32FImage) -> RgbImage {
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        Rgb(image
            .get_pixel(x, y)
            .0
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
    })
}
