//! `content.png`: a landscape, evaluated point by point and supersampled.

use crate::{Disc, Rgb, fbm, mix, scale, smoothstep, value_noise};

pub(crate) const CONTENT_W: u32 = 256;
pub(crate) const CONTENT_H: u32 = 192;
/// Samples per pixel along each axis.
const CONTENT_SS: u32 = 4;
/// The water line: the lake fills the picture below it and mirrors what is above.
const SHORE: f32 = 152.0;
const SUN: Disc = (212.0, 38.0, 14.0);

pub(crate) fn draw_content() -> Vec<Rgb> {
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
