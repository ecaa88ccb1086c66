//! The seed's optimizer comparison: gradient descent, Adam, L-BFGS with torch's fixed step
//! and L-BFGS with the strong Wolfe line search, within the box [0, 1] of the pixels (the
//! library's default, [`PixelBounds::Box`]), and L-BFGS unconstrained as it ran before
//! the bounds existed, on
//!
//! 1. the style-transfer objective at 128 px (the project's own `assets/content.png` and
//!    `assets/style.png`, random weights with seed 0, noise start with seed 0, every other
//!    setting at the library's default), each run for 50, 80 and 120 iterations: final
//!    loss, the loss of the picture as saved (8 bits, clamped to [0, 1], evaluated
//!    again), evaluations, seconds;
//! 2. Rosenbrock's function in 1000 dimensions from (−1.2, 1, −1.2, 1, …), whose minimum
//!    (f = 0 at x = 1) is known, so every optimizer's answer can be checked; L-BFGS also
//!    within [−1.5, 1.5]ⁿ, a box the path runs into and the minimum lies inside.
//!
//! ```text
//! cargo bench --bench optimizers                     # both parts, flex (the transfers take minutes)
//! IMPASTO_BENCH_PART=rosenbrock cargo bench --bench optimizers
//! IMPASTO_BENCH_ITERATIONS=20 IMPASTO_BENCH_PART=transfer cargo bench --bench optimizers
//! ```
//!
//! It prints the tables and writes them to `target/bench-optimizers.md`, with the
//! loss-versus-evaluations chart of the longest runs in `target/bench-optimizers.svg`.
//! Gradient descent's and Adam's learning rates are the best of the sweep recorded in
//! docs/benchmarks.md; `IMPASTO_BENCH_GD_LR` and `IMPASTO_BENCH_ADAM_LR` override them.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use image::{DynamicImage, RgbImage};
use impasto::optim::{
    Adam, AdamConfig, Bounds, Evaluation, GradientDescent, GradientDescentConfig, Lbfgs,
    LbfgsConfig, LineSearch, Minimizer, Outcome,
};
use impasto::report::RunReport;
use impasto::transfer::{Init, OptimizerConfig, PixelBounds};
use impasto::{StyleTransfer, WeightsSource};

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

/// The optimizers with their pixel bounds, named as in the tables;
/// `IMPASTO_BENCH_OPTIMIZERS` (a list of `gd`, `adam`, `lbfgs-fixed`, `lbfgs-wolfe`,
/// `lbfgs-unbounded`, `lbfgs-m5`, `lbfgs-m3`) chooses; unset, all but the shorter
/// histories (`lbfgs-m5`, `lbfgs-m3`: L-BFGS with the strong Wolfe search and m = 5 or 3,
/// the history a memory budget may shorten to).
fn optimizers() -> Vec<(&'static str, OptimizerConfig, PixelBounds)> {
    let gd = GradientDescentConfig::default()
        .with_learning_rate(env_or("IMPASTO_BENCH_GD_LR", GD_LEARNING_RATE))
        .expect("a positive learning rate");
    let adam = AdamConfig::default()
        .with_learning_rate(env_or("IMPASTO_BENCH_ADAM_LR", ADAM_LEARNING_RATE))
        .expect("a positive learning rate");
    let fixed = LbfgsConfig::default()
        .with_line_search(LineSearch::None { learning_rate: 1.0 })
        .expect("torch's default step");
    // The shorter histories a memory budget may choose (docs/print-size.md).
    let short = |m| LbfgsConfig::default().with_history(m).expect("1 ..= 1000");
    let all = [
        (
            "gd",
            "gradient descent",
            OptimizerConfig::GradientDescent(gd),
            PixelBounds::Box,
        ),
        (
            "adam",
            "Adam",
            OptimizerConfig::Adam(adam),
            PixelBounds::Box,
        ),
        (
            "lbfgs-fixed",
            "L-BFGS, fixed step",
            OptimizerConfig::Lbfgs(fixed),
            PixelBounds::Box,
        ),
        (
            "lbfgs-wolfe",
            "L-BFGS, strong Wolfe",
            OptimizerConfig::Lbfgs(LbfgsConfig::default()),
            PixelBounds::Box,
        ),
        (
            "lbfgs-unbounded",
            "L-BFGS, strong Wolfe, unbounded",
            OptimizerConfig::Lbfgs(LbfgsConfig::default()),
            PixelBounds::None,
        ),
        (
            "lbfgs-m5",
            "L-BFGS, strong Wolfe, m = 5",
            OptimizerConfig::Lbfgs(short(5)),
            PixelBounds::Box,
        ),
        (
            "lbfgs-m3",
            "L-BFGS, strong Wolfe, m = 3",
            OptimizerConfig::Lbfgs(short(3)),
            PixelBounds::Box,
        ),
    ];
    // The shorter histories only when asked for: the default comparison stays the seed's.
    let wanted = std::env::var("IMPASTO_BENCH_OPTIMIZERS").unwrap_or_default();
    all.into_iter()
        .filter(|(key, ..)| {
            if wanted.is_empty() {
                !key.starts_with("lbfgs-m")
            } else {
                wanted.split(',').any(|w| w.trim() == *key)
            }
        })
        .map(|(_, name, config, bounds)| (name, config, bounds))
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
         | optimizer | bounds | iterations | final loss | loss as saved | evaluations | seconds | ms / evaluation | how it ended |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    print!("{table}");
    let mut curves = Vec::new();
    for (name, optimizer, bounds) in optimizers() {
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
            .with_optimizer(optimizer.clone())
            .with_pixel_bounds(bounds);
            let started = Instant::now();
            let output = transfer
                .run(&device, &mut ())
                .expect("the bench's settings are valid");
            let seconds = started.elapsed().as_secs_f64();
            let saved = loss_as_saved(&transfer, output.image, &device);
            let report = output.report;
            let last = report.records.last().expect("record 0 at least");
            let row = format!(
                "| {name} | {bounds} | {} | {:.4e} | {saved:.4e} | {} | {seconds:.1} | {:.0} | {} |\n",
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
    let chart = target_dir().join("bench-optimizers.svg");
    match plot(&curves, &chart) {
        Ok(()) => println!("chart written to {}", chart.display()),
        Err(error) => println!("chart not written: {error}"),
    }
    table
}

/// The loss of `image`, the picture a run saved, under the same settings: a run of no
/// iterations that starts from it.
fn loss_as_saved(transfer: &StyleTransfer, image: RgbImage, device: &Device) -> f64 {
    let pixels = DynamicImage::ImageRgb8(image).into_rgb32f();
    let output = transfer
        .clone()
        .with_init(Init::Image(pixels.into()))
        .with_iterations(0)
        .run(device, &mut ())
        .expect("the same settings are valid");
    output.report.records[0].loss
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
        (
            "L-BFGS, strong Wolfe, within [−1.5, 1.5]ⁿ",
            Box::new(|| {
                let bounds = Bounds::uniform(-1.5, 1.5).expect("−1.5 ≤ 1.5");
                Lbfgs::new(lbfgs(LineSearch::default()))
                    .minimize_within(&mut rosenbrock_objective, x0.clone(), &bounds, &mut ())
                    .expect("flex does not fail")
            }),
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

/// The loss-versus-evaluations chart as SVG: the loss on a log axis, one line per
/// optimizer. Written out by hand rather than drawn with a plotting library: the bench
/// needs a plain chart, and an SVG's text is drawn by whatever shows it, so no font file
/// is read.
fn plot(curves: &[(&str, Vec<(f64, f64)>)], path: &Path) -> std::io::Result<()> {
    const SIZE: (f64, f64) = (900.0, 560.0);
    // The plot area's margins: left (the loss labels), right, top (the title), bottom.
    const MARGIN: (f64, f64, f64, f64) = (80.0, 20.0, 40.0, 50.0);
    const COLORS: [&str; 7] = [
        "#0072b2", "#d55e00", "#009e73", "#000000", "#cc79a7", "#e69f00", "#56b4e9",
    ];
    let drawable = |p: &&(f64, f64)| p.1.is_finite() && p.1 > 0.0;
    let points = || curves.iter().flat_map(|(_, c)| c.iter().filter(drawable));
    let max_x = points().fold(1.0f64, |x, p| x.max(p.0));
    let (low, high) = points().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    if !low.is_finite() {
        return Err(std::io::Error::other("no positive loss to draw"));
    }
    // Whole decades on the y axis, at least one.
    let (bottom, top) = (
        low.log10().floor(),
        high.log10().ceil().max(low.log10().floor() + 1.0),
    );
    let (left, right) = (MARGIN.0, SIZE.0 - MARGIN.1);
    let (upper, lower) = (MARGIN.2, SIZE.1 - MARGIN.3);
    let x_of = |x: f64| left + x / max_x * (right - left);
    let y_of = |y: f64| upper + (top - y.log10()) / (top - bottom) * (lower - upper);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" \
         font-family=\"sans-serif\" font-size=\"14\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"18\">style transfer, \
         128 px, random weights: loss vs evaluations</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">evaluations (VGG16 forward + \
         backward)</text>\n\
         <text transform=\"rotate(-90)\" x=\"{}\" y=\"20\" text-anchor=\"middle\">total \
         loss (log scale)</text>\n",
        SIZE.0,
        SIZE.1,
        SIZE.0 / 2.0,
        (left + right) / 2.0,
        SIZE.1 - 10.0,
        -(upper + lower) / 2.0
    );
    for decade in bottom as i32..=top as i32 {
        let y = y_of(10f64.powi(decade));
        svg += &format!(
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">1e{decade}</text>\n",
            left - 6.0,
            y + 5.0
        );
    }
    for tick in 0..=4 {
        let value = max_x * f64::from(tick) / 4.0;
        let x = x_of(value);
        svg += &format!(
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{upper}\" y2=\"{lower}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{value:.0}</text>\n",
            lower + 18.0
        );
    }
    svg += &format!(
        "<rect x=\"{left}\" y=\"{upper}\" width=\"{}\" height=\"{}\" fill=\"none\" \
         stroke=\"black\"/>\n",
        right - left,
        lower - upper
    );
    // The curves, then over them the legend: a box at the upper right, a row per curve.
    let mut legend = format!(
        "<rect x=\"{}\" y=\"{}\" width=\"230\" height=\"{}\" fill=\"white\" \
         stroke=\"black\"/>\n",
        right - 240.0,
        upper + 8.0,
        20.0 * curves.len() as f64 + 4.0
    );
    for (i, ((name, curve), color)) in curves.iter().zip(COLORS.iter().cycle()).enumerate() {
        let line: Vec<String> = curve
            .iter()
            .filter(drawable)
            .map(|&(x, y)| format!("{:.1},{:.1}", x_of(x), y_of(y)))
            .collect();
        svg += &format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n",
            line.join(" ")
        );
        let y = upper + 20.0 + 20.0 * i as f64;
        legend += &format!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" \
             stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">{name}</text>\n",
            right - 230.0,
            right - 210.0,
            right - 204.0,
            y + 5.0
        );
    }
    svg += &legend;
    svg += "</svg>\n";
    std::fs::write(path, svg)
}
