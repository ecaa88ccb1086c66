//! Where one evaluation's time goes, op by op: every operation that VGG16 to relu5_1 and
//! the style loss run forward and backward, timed alone at its real shape, on each
//! enabled backend. Random weights and inputs (speed does not depend on the values).
//! The network runs each pooled layer's convolution, ReLU and max-pool as one op on flex
//! (its backward unpools the gradient inside the convolution's input gradient); here
//! they are timed apart, as the ops that op is made of.
//!
//! ```text
//! cargo bench --bench profile                                        # flex (and wgpu with --features wgpu), 224 px
//! IMPASTO_BENCH_BACKENDS=flex IMPASTO_BENCH_SIZES=224,512 cargo bench --bench profile
//! ```
//!
//! The convolutions are the ones the network runs
//! ([`impasto::vgg::kernels::conv_forward`]: on flex impasto's own kernel, elsewhere
//! burn's), forward, then forward and backward through autodiff with frozen weights (the
//! difference, with one elementwise product and sum, is the input gradient); the max-pool
//! likewise ([`impasto::vgg::kernels::max_pool2x2`]). A ReLU's backward is what burn's
//! autodiff runs, a `mask_fill` where the output is ≤ 0, and the Gram matrix
//! ([`impasto::loss::gram`]) is timed forward, then forward and backward through autodiff
//! (the difference is its backward). No weight gradients run. Each op is timed as the
//! median of several runs, the device synchronised around each; the sum is set beside a
//! whole evaluation (`benches/evaluation.rs`) to show what the ops alone do not explain
//! (autodiff bookkeeping, the loss's small elementwise work, allocation). The table is
//! printed and written to `target/bench-profile.md`.

use std::collections::BTreeMap;
use std::time::Instant;

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor};
use impasto::Backend;
use impasto::loss::gram;
use impasto::vgg::kernels::{conv_forward, max_pool2x2};

/// VGG16's convolutions up to conv5_1: (name, input channels, output channels,
/// downsamplings before it), and whether a 2×2 max-pool follows its ReLU.
const CONVS: [(&str, usize, usize, u32, bool); 11] = [
    ("conv1_1", 3, 64, 0, false),
    ("conv1_2", 64, 64, 0, true),
    ("conv2_1", 64, 128, 1, false),
    ("conv2_2", 128, 128, 1, true),
    ("conv3_1", 128, 256, 2, false),
    ("conv3_2", 256, 256, 2, false),
    ("conv3_3", 256, 256, 2, true),
    ("conv4_1", 256, 512, 3, false),
    ("conv4_2", 512, 512, 3, false),
    ("conv4_3", 512, 512, 3, true),
    ("conv5_1", 512, 512, 4, false),
];
/// The style layers' convolutions (relu1_1, relu2_1, …, relu5_1).
const STYLE: [&str; 5] = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"];

fn median_ms(device: &Device, runs: usize, mut op: impl FnMut()) -> f64 {
    op(); // warm-up: kernel compilation, autotuning, first allocations
    device.sync().expect("the device finishes its work");
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            op();
            device.sync().expect("the device finishes its work");
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Milliseconds per op kind, summed over the network, for one size.
fn profile(device: &Device, size: usize, runs: usize) -> BTreeMap<&'static str, f64> {
    let mut totals: BTreeMap<&'static str, f64> = BTreeMap::new();
    let uniform = Distribution::Uniform(0.0, 1.0);
    for (name, ci, co, down, pooled) in CONVS {
        let side = size >> down;
        let x = Tensor::<4>::random([1, ci, side, side], uniform, device);
        let dy = Tensor::<4>::random([1, co, side, side], uniform, device);
        let config =
            Conv2dConfig::new([ci, co], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1));
        let conv = config.init(device).no_grad();
        let forward = median_ms(device, runs, || {
            let _ = conv_forward(&conv, x.clone());
        });
        let tracked_conv = config.init(&device.clone().autodiff()).no_grad();
        let dy_tracked = dy.clone().autodiff();
        let both = median_ms(device, runs, || {
            let x = x.clone().autodiff().require_grad();
            let y = conv_forward(&tracked_conv, x.clone());
            let grads = (y * dy_tracked.clone()).sum().backward();
            let _ = x.grad(&grads);
        });
        *totals.entry("conv forward").or_default() += forward;
        *totals.entry("conv backward-data").or_default() += (both - forward).max(0.0);
        let y = conv_forward(&conv, x.clone()).sub_scalar(0.5);
        *totals.entry("relu forward").or_default() += median_ms(device, runs, || {
            let _ = burn::tensor::activation::relu(y.clone());
        });
        *totals.entry("relu backward").or_default() += median_ms(device, runs, || {
            let _ = dy.clone().mask_fill(y.clone().lower_equal_elem(0.0), 0.0);
        });
        if pooled {
            let forward = median_ms(device, runs, || {
                let _ = max_pool2x2(y.clone());
            });
            let dp = Tensor::<4>::random([1, co, side / 2, side / 2], uniform, device).autodiff();
            let both = median_ms(device, runs, || {
                let y = y.clone().autodiff().require_grad();
                let grads = (max_pool2x2(y.clone()) * dp.clone()).sum().backward();
                let _ = y.grad(&grads);
            });
            *totals.entry("max-pool forward").or_default() += forward;
            *totals.entry("max-pool backward").or_default() += (both - forward).max(0.0);
        }
        if STYLE.contains(&name) {
            let forward = median_ms(device, runs, || {
                let _ = gram(y.clone());
            });
            // The backward alone is what autodiff adds to the forward.
            let dg = Tensor::<3>::random([1, co, co], uniform, device).autodiff();
            let both = median_ms(device, runs, || {
                let f = y.clone().autodiff().require_grad();
                let grads = (gram(f.clone()) * dg.clone()).sum().backward();
                let _ = f.grad(&grads);
            });
            *totals.entry("Gram forward").or_default() += forward;
            *totals.entry("Gram backward").or_default() += (both - forward).max(0.0);
        }
    }
    totals
}

fn main() {
    let backends: Vec<Backend> = match std::env::var("IMPASTO_BENCH_BACKENDS") {
        Ok(list) => list
            .split(',')
            .map(|b| b.trim().parse().expect("a backend name"))
            .collect(),
        Err(_) => Backend::enabled(),
    };
    let sizes: Vec<usize> = match std::env::var("IMPASTO_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("a size in pixels"))
            .collect(),
        Err(_) => vec![224],
    };
    let mut table = String::from(
        "| backend | size | op (summed over the network) | ms | share of the ops |\n|---|---|---|---|---|\n",
    );
    print!("{table}");
    for backend in backends.into_iter().filter(|b| b.is_enabled()) {
        let device = backend.device().expect("an enabled backend");
        for &size in &sizes {
            let runs = if size > 256 { 3 } else { 7 };
            let totals = profile(&device, size, runs);
            let sum: f64 = totals.values().sum();
            let mut rows: Vec<_> = totals.into_iter().collect();
            rows.sort_by(|a, b| b.1.total_cmp(&a.1));
            rows.push(("all ops", sum));
            for (op, ms) in rows {
                let row = format!(
                    "| {backend} | {size} px | {op} | {ms:.1} | {:.0}% |\n",
                    100.0 * ms / sum
                );
                print!("{row}");
                table.push_str(&row);
            }
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-profile.md");
    if std::fs::write(&path, &table).is_ok() {
        println!("written to {}", path.display());
    }
}
