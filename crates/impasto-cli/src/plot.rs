//! `--plot`: the loss per iteration as a PNG line chart (log y axis), drawn with
//! plotters into memory and written atomically.
//!
//! Text needs a font. plotters' `ab_glyph` backend draws with a font impasto reads at run
//! time from a system font file (no font is shipped, no fontconfig is needed); without
//! one, the chart is drawn without text and the caller warns.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use impasto::report::{IterationReport, RunReport};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// The chart's size in pixels.
const SIZE: (u32, u32) = (900, 560);

/// The environment variable naming the font file of the chart's text (a TrueType or
/// OpenType file); when unset, common system locations are tried.
pub const FONT_ENV: &str = "IMPASTO_PLOT_FONT";

/// Where fonts usually are: Debian/Ubuntu, Fedora, Arch, other Linux, macOS, Windows.
const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// The font family name the chart's text asks plotters for.
const FAMILY: &str = "sans-serif";

/// Registers a font with plotters, once per process; `Err` says why there is none.
fn font() -> Result<(), String> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let candidates: Vec<PathBuf> = match std::env::var_os(FONT_ENV) {
            Some(path) if !path.is_empty() => vec![PathBuf::from(path)],
            _ => SYSTEM_FONTS.iter().map(PathBuf::from).collect(),
        };
        for path in &candidates {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            // plotters keeps registered fonts for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if register_font(FAMILY, FontStyle::Normal, bytes).is_ok() {
                return Ok(());
            }
        }
        Err(match std::env::var_os(FONT_ENV) {
            Some(path) if !path.is_empty() => format!(
                "{FONT_ENV}={} is not a readable font file",
                Path::new(&path).display()
            ),
            _ => format!("no system font found (set {FONT_ENV} to a .ttf file)"),
        })
    })
    .clone()
}

/// One curve of the chart.
struct Series {
    label: &'static str,
    color: RGBColor,
    points: Vec<(u64, f64)>,
}

/// The curves: the total, then each term's weighted contribution (α·L_c, β·L_s,
/// γ·L_tv), so all are on the scale of the total; terms that are zero throughout are
/// left out. Only positive, finite values can be drawn on a log axis.
fn series(report: &RunReport) -> Vec<Series> {
    let c = &report.config;
    // Each record weighted by its own stage's α, β, γ (the balance sets them per size).
    let weights = |r: &IterationReport| {
        c.stages.get(r.stage).map_or([f64::NAN; 3], |s| {
            [s.weights.content, s.weights.style, s.weights.tv]
        })
    };
    let curve = |label, color, value: &dyn Fn(&IterationReport) -> f64| Series {
        label,
        color,
        points: report
            .records
            .iter()
            .map(|r| (r.iteration as u64, value(r)))
            .filter(|&(_, y)| y.is_finite() && y > 0.0)
            .collect(),
    };
    let all = [
        curve("total", BLACK, &|r| r.loss),
        curve("content α·Lc", RGBColor(0, 114, 178), &|r| {
            weights(r)[0] * r.content
        }),
        curve("style β·Ls", RGBColor(213, 94, 0), &|r| {
            weights(r)[1] * r.style
        }),
        curve("tv γ·Ltv", RGBColor(0, 158, 115), &|r| {
            weights(r)[2] * r.tv
        }),
    ];
    all.into_iter().filter(|s| !s.points.is_empty()).collect()
}

/// Draws the chart of `report` and writes it to `path` as PNG, atomically. Returns a
/// warning to show if the chart has no text (no font).
pub fn write(report: &RunReport, path: &Path) -> Result<Option<String>, impasto::ImpastoError> {
    let font = font();
    let (width, height) = SIZE;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    let drawn = draw(report, &mut pixels, font.is_ok());
    let warning = match (&font, drawn) {
        (_, Err(error)) => Some(format!("the loss plot could not be drawn fully: {error}")),
        (Err(why), Ok(())) => Some(format!("the loss plot has no text: {why}")),
        (Ok(()), Ok(())) => None,
    };
    let image = image::RgbImage::from_raw(width, height, pixels)
        .expect("the buffer holds width × height RGB pixels");
    impasto::image::save_image(&image, path)?;
    Ok(warning)
}

fn draw(report: &RunReport, pixels: &mut [u8], text: bool) -> Result<(), String> {
    let series = series(report);
    let root = BitMapBackend::with_buffer(pixels, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let last = report.records.last().map_or(0, |r| r.iteration).max(1) as u64;
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (low, high) = ys.fold((f64::INFINITY, 0.0f64), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    // At most 15 decades below the top: plotters' log axis loops forever on a range
    // that reaches 0 (subnormal values halve to 0), and nothing below is readable.
    let (low, high) = if low.is_finite() {
        (f64::max(low / 2.0, high * 2e-15), high * 2.0)
    } else {
        (0.1, 10.0)
    };
    let mut builder = ChartBuilder::on(&root);
    builder.margin(16);
    if text {
        let title = match report.config.random_weights {
            true => "loss per iteration (random weights)",
            false => "loss per iteration",
        };
        builder
            .caption(title, (FAMILY, 22))
            .x_label_area_size(44)
            .y_label_area_size(80);
    }
    let mut chart = builder
        .build_cartesian_2d(0u64..last, (low..high).log_scale())
        .map_err(|e| e.to_string())?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("iteration")
            .y_desc("loss (log scale)")
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .y_label_formatter(&|y| format!("{y:.0e}"));
    }
    // Without text there are no label areas, so the mesh draws no labels.
    mesh.draw().map_err(|e| e.to_string())?;

    // A multi-scale run: a grey line where each stage begins, with its size.
    let stages = &report.config.stages;
    if stages.len() > 1 {
        let grey = RGBColor(150, 150, 150);
        for stage in stages {
            let Some(first) = report.records.get(stage.first_record) else {
                continue;
            };
            let x = first.iteration as u64;
            let line = PathElement::new(vec![(x, low), (x, high)], grey.stroke_width(1));
            chart.draw_series([line]).map_err(|e| e.to_string())?;
            if text {
                let label = Text::new(
                    format!(" {} px", stage.size),
                    (x, high / 1.6),
                    (FAMILY, 14).into_font().color(&grey),
                );
                chart.draw_series([label]).map_err(|e| e.to_string())?;
            }
        }
    }
    for s in &series {
        let color = s.color;
        let points = s.points.iter().map(|&(x, y)| (x, y.max(low)));
        let line = LineSeries::new(points, color.stroke_width(2));
        let drawn = chart.draw_series(line).map_err(|e| e.to_string())?;
        if text {
            drawn.label(s.label).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        }
    }
    if text {
        chart
            .configure_series_labels()
            .label_font((FAMILY, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of `n` iterations whose terms fall geometrically; `tv` is zero throughout.
    fn report(n: usize) -> RunReport {
        let records: Vec<String> = (0..=n)
            .map(|i| {
                let f = 0.9f64.powi(i as i32);
                format!(
                    r#"{{"iteration": {i}, "evaluations": {}, "loss": {}, "content": {},
                    "style": {}, "style_per_layer": {{}}, "tv": 0.0, "grad_norm": 1.0,
                    "step": 1.0, "elapsed_ms": {}}}"#,
                    i + 1,
                    1e6 * f + 50.0,
                    50.0 * f,
                    1e-1 * f,
                    i * 10
                )
            })
            .collect();
        let json = format!(
            r#"{{"impasto_version": "0", "config": {{"task": "transfer", "content": "c.png",
            "styles": [], "weights": "random", "random_weights": true, "size": 32,
            "image_size": [32, 32], "style_scale": 1.0, "iterations": {n}, "init": "noise",
            "seed": 0, "loss_weights": {{"kind": "fixed", "content": 1.0, "style": 1e7,
            "tv": 1000.0}}, "content_layers": [], "style_layers": [], "style_layer_weights": [],
            "optimizer": {{"name": "lbfgs"}}, "pooling": "max", "original_colors": false,
            "device": "test", "stages": [{{"size": 32, "image_size": [32, 32],
            "iterations": {n}, "first_record": 0, "weights": {{"content": 1.0, "style": 1e7,
            "tv": 1000.0}}}}]}}, "records": [{}], "termination": "max_iterations",
            "termination_message": "maximum iterations reached", "best_iteration": {n},
            "evaluations": {}, "duration_ms": 1.0}}"#,
            records.join(","),
            n + 1
        );
        RunReport::from_json(&json).expect("a valid report")
    }

    #[test]
    fn series_are_weighted_and_all_zero_terms_are_left_out() {
        let series = series(&report(3));
        let labels: Vec<_> = series.iter().map(|s| s.label).collect();
        assert_eq!(labels, ["total", "content α·Lc", "style β·Ls"]);
        // β = 1e7 times L_s = 0.1 at iteration 0.
        assert!((series[2].points[0].1 - 1e6).abs() < 1e-3);
    }

    #[test]
    fn charts_of_any_length_draw_with_and_without_text() {
        let text = font().is_ok();
        for n in [0, 1, 2, 3, 7, 10, 99, 500, 12_345] {
            let report = report(n);
            let mut pixels = vec![255u8; SIZE.0 as usize * SIZE.1 as usize * 3];
            draw(&report, &mut pixels, false).unwrap_or_else(|e| panic!("{n}: {e}"));
            if text {
                draw(&report, &mut pixels, true).unwrap_or_else(|e| panic!("{n}: {e}"));
            }
            assert!(pixels.iter().any(|&p| p != 255), "{n}: nothing drawn");
        }
    }
}
