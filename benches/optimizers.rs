//! The seed's optimizer comparison: gradient descent, Adam, L-BFGS with torch's fixed step
//! and L-BFGS with the strong Wolfe line search, on
//!
//! 1. the style-transfer objective at 128 px (the project's own `assets/content.png` and
//!    `assets/style.png`, random weights with seed 0, noise start with seed 0, every other
//!    setting at the library's default), each run for 50, 80 and 120 iterations: final
//!    loss, evaluations, seconds;
//! 2. Rosenbrock's function in 1000 dimensions from (−1.2, 1, −1.2, 1, …), whose minimum
//!    (f = 0 at x = 1) is known, so every optimizer's answer can be checked.
//!
//! ```text
//! cargo bench --bench optimizers                     # both parts, flex (about 10 minutes on 2 cores)
//! IMPASTO_BENCH_PART=rosenbrock cargo bench --bench optimizers
//! IMPASTO_BENCH_ITERATIONS=20 IMPASTO_BENCH_PART=transfer cargo bench --bench optimizers
//! ```
//!
//! It prints the tables and writes them to `target/bench-optimizers.md`, with the
//! loss-versus-evaluations chart of the longest runs in `target/bench-optimizers.png`.
//! Gradient descent's and Adam's learning rates are the best of the sweep recorded in
//! docs/benchmarks.md; `IMPASTO_BENCH_GD_LR` and `IMPASTO_BENCH_ADAM_LR` override them.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use impasto::optim::{
    Adam, AdamConfig, Evaluation, GradientDescent, GradientDescentConfig, Lbfgs, LbfgsConfig,
    LineSearch, Minimizer, Outcome,
};
use impasto::{Init, OptimizerConfig, RunReport, StyleTransfer, WeightsSource};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Pixel-space learning rates (pixels in [0, 1]) chosen by the sweep in docs/benchmarks.md.
const GD_LEARNING_RATE: f64 = 1e-4;
const ADAM_LEARNING_RATE: f64 = 0.1;

/// The value of `name`, or `default` when it is unset; a value that does not parse
/// stops the bench rather than silently measuring the default.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|e| panic!("{name}: `{v}`: {e}")),
        Err(_) => default,
    }
}

fn main() {
    let part = std::env::var("IMPASTO_BENCH_PART").unwrap_or_default();
    let mut markdown = String::new();
    if part.is_empty() || part == "transfer" {
        markdown += &style_transfer();
    }
    if part.is_empty() || part == "rosenbrock" {
        markdown += &rosenbrock();
    }
    let path = target_dir().join("bench-optimizers.md");
    if std::fs::write(&path, &markdown).is_ok() {
        println!("written to {}", path.display());
    }
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// The four optimizers, named as in the tables; `IMPASTO_BENCH_OPTIMIZERS` (a list of
/// `gd`, `adam`, `lbfgs-fixed`, `lbfgs-wolfe`) keeps some.
fn optimizers() -> Vec<(&'static str, OptimizerConfig)> {
    let gd = GradientDescentConfig::default()
        .with_learning_rate(env_or("IMPASTO_BENCH_GD_LR", GD_LEARNING_RATE))
        .expect("a positive learning rate");
    let adam = AdamConfig::default()
        .with_learning_rate(env_or("IMPASTO_BENCH_ADAM_LR", ADAM_LEARNING_RATE))
        .expect("a positive learning rate");
    let fixed = LbfgsConfig::default()
        .with_line_search(LineSearch::None { learning_rate: 1.0 })
        .expect("torch's default step");
    let all = [
        (
            "gd",
            "gradient descent",
            OptimizerConfig::GradientDescent(gd),
        ),
        ("adam", "Adam", OptimizerConfig::Adam(adam)),
        (
            "lbfgs-fixed",
            "L-BFGS, fixed step",
            OptimizerConfig::Lbfgs(fixed),
        ),
        (
            "lbfgs-wolfe",
            "L-BFGS, strong Wolfe",
            OptimizerConfig::Lbfgs(LbfgsConfig::default()),
        ),
    ];
    let wanted = std::env::var("IMPASTO_BENCH_OPTIMIZERS").unwrap_or_default();
    all.into_iter()
        .filter(|(key, _, _)| wanted.is_empty() || wanted.split(',').any(|w| w.trim() == *key))
        .map(|(_, name, config)| (name, config))
        .collect()
}

fn style_transfer() -> String {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let budgets: Vec<usize> = match std::env::var("IMPASTO_BENCH_ITERATIONS") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("IMPASTO_BENCH_ITERATIONS: `{n}`: {e}"))
            })
            .collect(),
        Err(_) => vec![50, 80, 120],
    };
    let device = Device::flex();
    let mut table = String::from(
        "\n### Style transfer, 128 px, random weights (untrained), flex\n\n\
         | optimizer | iterations | final loss | evaluations | seconds | ms / evaluation | how it ended |\n\
         |---|---|---|---|---|---|---|\n",
    );
    print!("{table}");
    let mut curves = Vec::new();
    for (name, optimizer) in optimizers() {
        for &iterations in &budgets {
            let transfer = StyleTransfer::new(
                assets.join("content.png"),
                vec![assets.join("style.png").into()],
            )
            .with_weights(WeightsSource::Random)
            .with_size(128)
            .with_seed(0)
            .with_init(Init::Noise)
            .with_iterations(iterations)
            .with_optimizer(optimizer.clone());
            let started = Instant::now();
            let output = transfer
                .run(&device, &mut ())
                .expect("the bench's settings are valid");
            let seconds = started.elapsed().as_secs_f64();
            let report = output.report;
            let last = report.records.last().expect("record 0 at least");
            let row = format!(
                "| {name} | {} | {:.4e} | {} | {seconds:.1} | {:.0} | {} |\n",
                last.iteration,
                last.loss,
                report.evaluations,
                report.duration_ms / report.evaluations.max(1) as f64,
                report.termination_message
            );
            print!("{row}");
            table += &row;
            if iterations == *budgets.iter().max().expect("a budget") {
                curves.push((name, curve(&report)));
            }
        }
    }
    let chart = target_dir().join("bench-optimizers.png");
    match plot(&curves, &chart) {
        Ok(()) => println!("chart written to {}", chart.display()),
        Err(error) => println!("chart not written: {error}"),
    }
    table
}

/// (evaluations, loss) after each iteration.
fn curve(report: &RunReport) -> Vec<(f64, f64)> {
    report
        .records
        .iter()
        .map(|r| (r.evaluations as f64, r.loss))
        .collect()
}

/// Rosenbrock's chained function in `n` dimensions,
/// f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)², with its analytic gradient.
fn rosenbrock_objective(x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
    let n = x.dims()[0];
    let a = x.clone().narrow(0, 0, n - 1);
    let b = x.clone().narrow(0, 1, n - 1);
    let r = b - a.clone().square(); // x_{i+1} − x_i²
    let one_minus_a = a.clone().neg().add_scalar(1.0);
    let loss = (r.clone().square().mul_scalar(100.0) + one_minus_a.clone().square()).sum();
    // ∂/∂x_i of term i: −400 x_i r_i − 2 (1 − x_i); ∂/∂x_{i+1} of term i: 200 r_i.
    let from_a = (a * r.clone()).mul_scalar(-400.0) - one_minus_a.mul_scalar(2.0);
    let from_b = r.mul_scalar(200.0);
    let zero = Tensor::<1>::zeros([1], &x.device());
    let gradient = Tensor::cat(vec![from_a, zero.clone()], 0) + Tensor::cat(vec![zero, from_b], 0);
    Ok(Evaluation::new(loss, gradient))
}

/// A named Rosenbrock run: the optimizer, configured, from the start point.
type RosenbrockRun<'a> = (&'static str, Box<dyn Fn() -> Outcome<1> + 'a>);

fn rosenbrock() -> String {
    const N: usize = 1000;
    const TOLERANCE: f64 = 1e-4; // max |g|; f32 rounding of 200 (x_{i+1} − x_i²) is ~1e-5
    let device = Device::flex();
    let start: Vec<f32> = (0..N)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let x0 = Tensor::<1>::from_data(TensorData::new(start, [N]), &device);
    let limit = env_or("IMPASTO_BENCH_ROSENBROCK_ITERATIONS", 20_000usize);
    let mut table = format!(
        "\n### Rosenbrock, {N} dimensions, from (−1.2, 1, …), f32 on flex; stop at max |g| ≤ {TOLERANCE:e} or {limit} iterations\n\n\
         | optimizer | iterations | evaluations | final f | max \\|x − 1\\| | seconds | how it ended |\n\
         |---|---|---|---|---|---|---|\n"
    );
    print!("{table}");
    let gd = GradientDescentConfig::default()
        .with_learning_rate(5e-4)
        .and_then(|c| c.with_max_iterations(limit))
        .and_then(|c| c.with_gradient_tolerance(TOLERANCE))
        .and_then(|c| c.with_change_tolerance(0.0))
        .expect("valid settings");
    let adam = AdamConfig::default()
        .with_learning_rate(1e-2)
        .and_then(|c| c.with_max_iterations(limit))
        .and_then(|c| c.with_gradient_tolerance(TOLERANCE))
        .expect("valid settings");
    let lbfgs = |line_search| {
        LbfgsConfig::default()
            .with_line_search(line_search)
            .and_then(|c| c.with_max_iterations(limit))
            .and_then(|c| c.with_max_evaluations(2 * limit))
            .and_then(|c| c.with_gradient_tolerance(TOLERANCE))
            .and_then(|c| c.with_change_tolerance(0.0))
            .expect("valid settings")
    };
    let runs: Vec<RosenbrockRun> = vec![
        (
            "gradient descent (t = 5e-4)",
            Box::new(|| run(GradientDescent::new(gd.clone()), &x0)),
        ),
        (
            "Adam (α = 1e-2)",
            Box::new(|| run(Adam::new(adam.clone()), &x0)),
        ),
        (
            "L-BFGS, fixed step (t = 1)",
            Box::new(|| {
                run(
                    Lbfgs::new(lbfgs(LineSearch::None { learning_rate: 1.0 })),
                    &x0,
                )
            }),
        ),
        (
            "L-BFGS, strong Wolfe",
            Box::new(|| run(Lbfgs::new(lbfgs(LineSearch::default())), &x0)),
        ),
    ];
    for (name, minimize) in runs {
        let started = Instant::now();
        let outcome = minimize();
        let seconds = started.elapsed().as_secs_f64();
        let distance = outcome
            .x
            .clone()
            .sub_scalar(1.0)
            .abs()
            .max()
            .into_scalar::<f64>();
        let row = format!(
            "| {name} | {} | {} | {:.3e} | {distance:.2e} | {seconds:.2} | {} |\n",
            outcome.iterations, outcome.evaluations, outcome.loss, outcome.termination
        );
        print!("{row}");
        table += &row;
    }
    table
}

fn run<M: Minimizer>(minimizer: M, x0: &Tensor<1>) -> Outcome<1> {
    minimizer
        .minimize(&mut rosenbrock_objective, x0.clone(), &mut ())
        .expect("flex does not fail")
}

/// The loss-versus-evaluations chart (log y), PNG. Text needs a system font (DejaVu
/// Sans or `IMPASTO_PLOT_FONT`); without one the chart is drawn without text.
fn plot(curves: &[(&str, Vec<(f64, f64)>)], path: &Path) -> Result<(), String> {
    const SIZE: (u32, u32) = (900, 560);
    const FAMILY: &str = "sans-serif";
    let font = std::env::var("IMPASTO_PLOT_FONT")
        .unwrap_or_else(|_| "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".into());
    let text = match std::fs::read(&font) {
        Ok(bytes) => register_font(
            FAMILY,
            FontStyle::Normal,
            Box::leak(bytes.into_boxed_slice()),
        )
        .is_ok(),
        Err(_) => false,
    };
    let points = curves.iter().flat_map(|(_, c)| c.iter());
    let (max_x, low, high) = points
        .filter(|p| p.1.is_finite() && p.1 > 0.0)
        .fold((1.0f64, f64::INFINITY, 0.0f64), |(x, lo, hi), p| {
            (x.max(p.0), lo.min(p.1), hi.max(p.1))
        });
    if !low.is_finite() {
        return Err("no positive loss to draw".into());
    }
    let mut pixels = vec![255u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut builder = ChartBuilder::on(&root);
        builder.margin(16);
        if text {
            builder
                .caption(
                    "style transfer, 128 px, random weights: loss vs evaluations",
                    (FAMILY, 20),
                )
                .x_label_area_size(44)
                .y_label_area_size(80);
        }
        let mut chart = builder
            .build_cartesian_2d(0.0..max_x, (low / 1.5..high * 1.5).log_scale())
            .map_err(|e| e.to_string())?;
        let mut mesh = chart.configure_mesh();
        if text {
            mesh.x_desc("evaluations (VGG16 forward + backward)")
                .y_desc("total loss (log scale)")
                .label_style((FAMILY, 14))
                .axis_desc_style((FAMILY, 16))
                .y_label_formatter(&|y| format!("{y:.0e}"));
        }
        mesh.draw().map_err(|e| e.to_string())?;
        let colors = [
            RGBColor(0, 114, 178),
            RGBColor(213, 94, 0),
            RGBColor(0, 158, 115),
            BLACK,
        ];
        for ((name, curve), color) in curves.iter().zip(colors) {
            let line = curve
                .iter()
                .filter(|p| p.1.is_finite() && p.1 > 0.0)
                .copied();
            let drawn = chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(|e| e.to_string())?;
            if text {
                drawn.label(*name).legend(move |(x, y)| {
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
    }
    let image = image::RgbImage::from_raw(SIZE.0, SIZE.1, pixels).ok_or("buffer size")?;
    image.save(path).map_err(|e| e.to_string())
}
