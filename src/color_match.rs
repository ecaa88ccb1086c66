//! Which colours a transfer keeps (Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017,
//! "Controlling Perceptual Factors in Neural Style Transfer", section 5): the images
//! prepared before a run, on the host.
//!
//! - Colour histogram matching: each style pixel x becomes A (x − μ_s) + μ_c, with
//!   A Σ_s Aᵀ = Σ_c, so that the style image has the photo's colour mean and covariance.
//! - Luminance-only transfer: photo and style as their luminance (BT.601 Y, in all three
//!   channels), the style's luminance matched to the photo's mean and spread; the
//!   photo's chroma is put back on the result afterwards.

// 3 × 3 linear algebra reads as its formulas with indices.
#![allow(clippy::needless_range_loop)]

use image::{Rgb, Rgb32FImage};

/// Which colours a transfer's result has.
///
/// | value | what the run optimises | the result's colours |
/// |---|---|---|
/// | `Style` (default) | the photo and the painting as they are | the painting's |
/// | `Photo` | the same | the photo's chroma on the result's luminance, after the run (`--original-colors`) |
/// | `Luminance` | the luminance of both, the painting's matched to the photo's mean and spread | the photo's chroma on the result's luminance |
/// | `Histogram(m)` | the painting recoloured to the photo's colour mean and covariance ([`match_colors`]) | the photo's palette in the painting's strokes |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Colors {
    /// The painting's colours (a plain transfer).
    #[default]
    Style,
    /// The photo's colours put back after the run.
    Photo,
    /// A luminance-only transfer.
    Luminance,
    /// The painting's colours matched to the photo's before the run.
    Histogram(ColorMatch),
}

impl Colors {
    /// `style`, `photo`, `luminance` or `histogram` (any [`ColorMatch`]).
    pub fn name(self) -> &'static str {
        match self {
            Colors::Style => "style",
            Colors::Photo => "photo",
            Colors::Luminance => "luminance",
            Colors::Histogram(_) => "histogram",
        }
    }

    /// Whether the result takes the photo's chroma after the run.
    pub fn photo_chroma(self) -> bool {
        matches!(self, Colors::Photo | Colors::Luminance)
    }

    /// The content and style images a run with these colours optimises against.
    pub(crate) fn prepare(
        self,
        content: Option<Rgb32FImage>,
        styles: Vec<Rgb32FImage>,
    ) -> (Option<Rgb32FImage>, Vec<Rgb32FImage>) {
        let Some(photo) = content else {
            // Without a photo there are no colours to keep.
            return (None, styles);
        };
        match self {
            Colors::Style | Colors::Photo => (Some(photo), styles),
            Colors::Luminance => {
                let styles = styles
                    .iter()
                    .map(|s| matched_luminance(s, &photo))
                    .collect();
                (Some(luminance(&photo)), styles)
            }
            Colors::Histogram(method) => {
                let styles = styles
                    .iter()
                    .map(|s| match_colors(s, &photo, method))
                    .collect();
                (Some(photo), styles)
            }
        }
    }
}

impl std::fmt::Display for Colors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Colors::Histogram(method) if *method != ColorMatch::default() => {
                write!(f, "histogram-{}", method.name())
            }
            colors => f.write_str(colors.name()),
        }
    }
}

impl std::str::FromStr for Colors {
    type Err = String;

    /// `style`, `photo`, `luminance`, `histogram` (the default [`ColorMatch`]), or
    /// `histogram-cholesky`, `histogram-symmetric`, `histogram-pca`.
    fn from_str(s: &str) -> Result<Self, String> {
        let method = |name: &str| {
            [ColorMatch::Cholesky, ColorMatch::Symmetric, ColorMatch::Pca]
                .into_iter()
                .find(|m| m.name() == name)
        };
        match s {
            "style" => Ok(Colors::Style),
            "photo" => Ok(Colors::Photo),
            "luminance" => Ok(Colors::Luminance),
            "histogram" => Ok(Colors::Histogram(ColorMatch::default())),
            other => other
                .strip_prefix("histogram-")
                .and_then(method)
                .map(Colors::Histogram)
                .ok_or_else(|| {
                    format!("unknown colours `{s}`: expected style, photo, luminance or histogram")
                }),
        }
    }
}

/// ITU-R BT.601 luma weights, as [`crate::colors`] uses them.
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

/// A 3 × 3 matrix, rows first.
type Matrix = [[f64; 3]; 3];

/// How colour histogram matching chooses A among the matrices with A Σ_s Aᵀ = Σ_c.
///
/// Measured with trained weights in docs/benchmarks.md ("Colour control"); the default
/// is the one that kept the photo's colours best with the painting's strokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorMatch {
    /// A = L_c L_s⁻¹, from the Cholesky factors Σ = L Lᵀ (the paper's first choice).
    /// The default: on two pairs it left the least covariance distance in the worst case
    /// and the least style loss.
    #[default]
    Cholesky,
    /// A = Σ_c^{1/2} Σ_s^{−1/2}, the symmetric square roots (the paper's "Image
    /// Analogies" choice): the matrix closest to a pure scaling.
    Symmetric,
    /// A = Q_c Λ_c^{1/2} Λ_s^{−1/2} Q_sᵀ: the style's principal colour axes mapped onto
    /// the photo's, in the order of their variance.
    Pca,
}

impl ColorMatch {
    /// `cholesky`, `symmetric` or `pca`.
    pub fn name(self) -> &'static str {
        match self {
            ColorMatch::Cholesky => "cholesky",
            ColorMatch::Symmetric => "symmetric",
            ColorMatch::Pca => "pca",
        }
    }
}

/// The mean and covariance of an image's RGB values (population covariance, f64).
pub fn color_statistics(image: &Rgb32FImage) -> ([f64; 3], Matrix) {
    let n = (image.width() as f64 * image.height() as f64).max(1.0);
    let mut mean = [0.0; 3];
    for p in image.pixels() {
        for c in 0..3 {
            mean[c] += f64::from(p.0[c]);
        }
    }
    mean = mean.map(|m| m / n);
    let mut cov = [[0.0; 3]; 3];
    for p in image.pixels() {
        let d = [0, 1, 2].map(|c| f64::from(p.0[c]) - mean[c]);
        for i in 0..3 {
            for j in 0..3 {
                cov[i][j] += d[i] * d[j];
            }
        }
    }
    (mean, cov.map(|row| row.map(|v| v / n)))
}

/// `style` with the colour mean and covariance of `photo`, by `method`; values clamped to
/// [0, 1] (an image's range; the statistics then hold up to what the clamp cuts).
pub fn match_colors(style: &Rgb32FImage, photo: &Rgb32FImage, method: ColorMatch) -> Rgb32FImage {
    let (mean_s, cov_s) = color_statistics(style);
    let (mean_c, cov_c) = color_statistics(photo);
    // A tiny ridge keeps a flat (rank-deficient) image's covariance invertible.
    let ridge = |m: Matrix| add_diagonal(m, 1e-8);
    let (cov_s, cov_c) = (ridge(cov_s), ridge(cov_c));
    let a = match method {
        ColorMatch::Cholesky => multiply(cholesky(cov_c), inverse_lower(cholesky(cov_s))),
        ColorMatch::Symmetric => multiply(power(cov_c, 0.5), power(cov_s, -0.5)),
        ColorMatch::Pca => {
            let (values_c, vectors_c) = eigen(cov_c);
            let (values_s, vectors_s) = eigen(cov_s);
            let scale = [0, 1, 2].map(|k| (values_c[k] / values_s[k]).sqrt());
            // Q_c diag(scale) Q_sᵀ.
            let mut a = [[0.0; 3]; 3];
            for (i, row) in a.iter_mut().enumerate() {
                for (j, cell) in row.iter_mut().enumerate() {
                    *cell = (0..3)
                        .map(|k| vectors_c[i][k] * scale[k] * vectors_s[j][k])
                        .sum();
                }
            }
            a
        }
    };
    map_pixels(style, |x| {
        let d = [0, 1, 2].map(|c| x[c] - mean_s[c]);
        [0, 1, 2].map(|i| mean_c[i] + (0..3).map(|j| a[i][j] * d[j]).sum::<f64>())
    })
}

/// `image` as its luminance Y in all three channels.
pub fn luminance(image: &Rgb32FImage) -> Rgb32FImage {
    map_pixels(image, |x| [luma(x); 3])
}

/// `style`'s luminance with the mean and standard deviation of `photo`'s, in all three
/// channels, clamped to [0, 1] (Gatys et al. 2017: the style's luminance histogram
/// matched to the photo's before a luminance-only transfer).
pub fn matched_luminance(style: &Rgb32FImage, photo: &Rgb32FImage) -> Rgb32FImage {
    let stats = |image: &Rgb32FImage| {
        let values: Vec<f64> = image.pixels().map(|p| luma(p.0.map(f64::from))).collect();
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    };
    let (mean_s, std_s) = stats(style);
    let (mean_c, std_c) = stats(photo);
    let gain = if std_s > 1e-12 { std_c / std_s } else { 1.0 };
    map_pixels(style, |x| [mean_c + (luma(x) - mean_s) * gain; 3])
}

fn luma(x: [f64; 3]) -> f64 {
    LUMA[0] * x[0] + LUMA[1] * x[1] + LUMA[2] * x[2]
}

fn map_pixels(image: &Rgb32FImage, f: impl Fn([f64; 3]) -> [f64; 3]) -> Rgb32FImage {
    let mut out = image.clone();
    for p in out.pixels_mut() {
        let y = f(p.0.map(f64::from));
        *p = Rgb(y.map(|v| v.clamp(0.0, 1.0) as f32));
    }
    out
}

fn add_diagonal(mut m: Matrix, v: f64) -> Matrix {
    for (i, row) in m.iter_mut().enumerate() {
        row[i] += v;
    }
    m
}

fn multiply(a: Matrix, b: Matrix) -> Matrix {
    let mut c = [[0.0; 3]; 3];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

/// L with L Lᵀ = m, for a symmetric positive definite m.
fn cholesky(m: Matrix) -> Matrix {
    let mut l = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                l[i][j] = (m[i][i] - s).max(1e-300).sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    l
}

/// The inverse of a lower-triangular matrix, by forward substitution.
fn inverse_lower(l: Matrix) -> Matrix {
    let mut inv = [[0.0; 3]; 3];
    for col in 0..3 {
        for i in 0..3 {
            let e = if i == col { 1.0 } else { 0.0 };
            let s: f64 = (0..i).map(|k| l[i][k] * inv[k][col]).sum();
            inv[i][col] = (e - s) / l[i][i];
        }
    }
    inv
}

/// The eigenvalues (descending) and eigenvectors (columns, each with its largest
/// component positive) of a symmetric matrix, by cyclic Jacobi rotations.
fn eigen(m: Matrix) -> ([f64; 3], Matrix) {
    let mut a = m;
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _ in 0..50 {
        let off = a[0][1].powi(2) + a[0][2].powi(2) + a[1][2].powi(2);
        if off < 1e-30 {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // a ← Jᵀ a J, v ← v J with the rotation J in the (p, q) plane.
            for k in 0..3 {
                let (akp, akq) = (a[k][p], a[k][q]);
                a[k][p] = c * akp - s * akq;
                a[k][q] = s * akp + c * akq;
            }
            for k in 0..3 {
                let (apk, aqk) = (a[p][k], a[q][k]);
                a[p][k] = c * apk - s * aqk;
                a[q][k] = s * apk + c * aqk;
            }
            for row in v.iter_mut() {
                let (vkp, vkq) = (row[p], row[q]);
                row[p] = c * vkp - s * vkq;
                row[q] = s * vkp + c * vkq;
            }
        }
    }
    let mut order = [0, 1, 2];
    order.sort_by(|&i, &j| a[j][j].total_cmp(&a[i][i]));
    let values = order.map(|k| a[k][k].max(0.0));
    let mut vectors = [[0.0; 3]; 3];
    for (column, &k) in order.iter().enumerate() {
        let largest = (0..3)
            .max_by(|&i, &j| v[i][k].abs().total_cmp(&v[j][k].abs()))
            .unwrap_or(0);
        let sign = v[largest][k].signum();
        for (i, row) in vectors.iter_mut().enumerate() {
            row[column] = sign * v[i][k];
        }
    }
    (values, vectors)
}

/// m^p for a symmetric positive definite m, through its eigen decomposition.
fn power(m: Matrix, p: f64) -> Matrix {
    let (values, q) = eigen(m);
    let mut out = [[0.0; 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3)
                .map(|k| q[i][k] * values[k].max(1e-300).powf(p) * q[j][k])
                .sum();
        }
    }
    out
}

#[cfg(test)]
#[path = "color_match_tests.rs"]
mod tests;
