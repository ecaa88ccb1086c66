//! `style.png`: brush strokes along a flow field.

use std::f32::consts::PI;

use crate::{Disc, Rgb, SplitMix64, downsample, fbm, lerp, mix, scale, smoothstep};

pub(crate) const STYLE_SIZE: u32 = 256;
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

pub(crate) fn draw_style() -> Vec<Rgb> {
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
