//! One *evaluation* of style transfer, timed: VGG16 forward to relu5_1, the total loss
//! (content relu4_2, style relu1_1…relu5_1, total variation), the backward pass for the
//! pixel gradient only, and one scalar read of the loss. Random weights (speed does not
//! depend on their values), square images, every enabled backend.
//!
//! ```text
//! cargo bench --bench evaluation                                     # flex (and wgpu with --features wgpu), 224 and 512 px
//! IMPASTO_BENCH_BACKENDS=flex IMPASTO_BENCH_SIZES=224 cargo bench --bench evaluation
//! cargo bench --bench evaluation --features ndarray                  # add burn-ndarray (slow: its input gradient is a scalar loop)
//! python3 benches/reference/torch_eval.py                            # the same workload in PyTorch
//! python3 benches/reference/alternate.py                             # the two in turn, 8 pairs at 224 px: the ratios
//! ```
//!
//! The children keep freed memory for reuse, as the `impasto` command does
//! (`impasto::reuse_freed_memory`); `IMPASTO_BENCH_MALLOC=system` leaves the C allocator as
//! it comes, as in a program that uses impasto without that call. The table says which.
//!
//! Each (backend, size) runs in a child process of this bench, so that its peak resident
//! memory (Linux `VmHWM`) is its own. The first evaluation (kernel compilation and
//! autotuning on a GPU) is timed apart from the samples; the device is synchronised
//! before every clock read. The table is printed and written to
//! `target/bench-evaluation.md`.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use impasto::Backend;
use impasto::loss::{TotalLoss, TotalLossConfig};
use impasto::vgg::{Vgg, VggConfig, VggLayer, portable_rng};

const CHILD: &str = "IMPASTO_BENCH_CHILD";

/// Whether the children leave the C allocator as it comes (`IMPASTO_BENCH_MALLOC=system`)
/// instead of keeping freed memory as the command does.
fn system_malloc() -> bool {
    std::env::var("IMPASTO_BENCH_MALLOC").is_ok_and(|v| v == "system")
}

fn env_list<T: std::str::FromStr>(name: &str) -> Option<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    let list = std::env::var(name).ok()?;
    Some(
        list.split(',')
            .map(|item| {
                item.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("{name}: `{item}`: {e}"))
            })
            .collect(),
    )
}

fn main() {
    // `cargo bench` passes `--bench`; a child gets its job from the environment.
    if let Ok(job) = std::env::var(CHILD) {
        let (backend, size) = job.split_once(':').expect("backend:size");
        let backend: Backend = backend.parse().expect("a backend name");
        #[cfg(feature = "flex")]
        if !system_malloc() {
            impasto::reuse_freed_memory();
        }
        child(backend, size.parse().expect("a size in pixels"));
        return;
    }
    let backends = env_list::<Backend>("IMPASTO_BENCH_BACKENDS")
        .unwrap_or_else(Backend::enabled)
        .into_iter()
        .filter(|b| b.is_enabled());
    let sizes = env_list::<usize>("IMPASTO_BENCH_SIZES").unwrap_or(vec![224, 512]);
    let mut table = format!(
        "C allocator: {}\n\n\
         | backend | size | first evaluation | ms / evaluation, median [min, max] | samples | peak RSS |\n\
         |---|---|---|---|---|---|\n",
        if system_malloc() {
            "as it comes (IMPASTO_BENCH_MALLOC=system)"
        } else {
            "freed memory kept for reuse, as the impasto command runs"
        }
    );
    println!("{}", table.trim_end());
    for backend in backends {
        for &size in &sizes {
            if backend == Backend::NdArray
                && size > 224
                && std::env::var("IMPASTO_BENCH_SIZES").is_err()
            {
                continue; // burn-ndarray's scalar input gradient takes minutes: only when asked
            }
            let output = Command::new(std::env::current_exe().expect("this bench's path"))
                .env(CHILD, format!("{backend}:{size}"))
                .output()
                .expect("run the child bench");
            let line = String::from_utf8_lossy(&output.stdout);
            let row = line
                .lines()
                .find(|l| l.starts_with('|'))
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    format!(
                        "| {backend} | {size} | failed: {} |",
                        String::from_utf8_lossy(&output.stderr)
                            .trim()
                            .replace('\n', " ")
                    )
                });
            println!("{row}");
            writeln!(table, "{row}").unwrap();
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-evaluation.md");
    if std::fs::write(&path, &table).is_ok() {
        println!("written to {}", path.display());
    }
}

fn uniform_image(seed: u64, size: usize, device: &Device) -> Tensor<4> {
    let pixels = portable_rng::uniform(portable_rng::stream(seed, 0), 3 * size * size, 0.0, 1.0);
    Tensor::from_data(TensorData::new(pixels, [1, 3, size, size]), device)
}

/// One evaluation, finished on the device: the loss read back, the gradient computed.
fn evaluate(vgg: &Vgg, loss: &TotalLoss, x: &Tensor<4>, device: &Device) -> f64 {
    let pixels = x.clone().autodiff().require_grad();
    let evaluation = loss
        .evaluate(vgg, pixels.clone())
        .expect("the size is valid");
    let grads = evaluation.loss().backward();
    let gradient = pixels
        .grad(&grads)
        .expect("the pixels require their gradient");
    let value = evaluation.value().expect("the device answers");
    drop(gradient);
    device.sync().expect("the device finishes its work");
    value
}

fn child(backend: Backend, size: usize) {
    let device = backend.device().expect("an enabled backend");
    let autodiff = device.clone().autodiff();
    let vgg = VggConfig::new()
        .with_last_layer(Some(VggLayer::Relu5_1))
        .init(&autodiff);
    // The targets' images on the plain device: they are constants.
    let content = uniform_image(1, size, &device);
    let style = uniform_image(2, size, &device);
    let loss = TotalLossConfig::new()
        .init(&vgg, content, &[(style, 1.0)])
        .expect("default loss config");
    let x = uniform_image(3, size, &device);

    let start = Instant::now();
    let value = evaluate(&vgg, &loss, &x, &device);
    let first = start.elapsed();
    assert!(value.is_finite(), "loss {value}");
    let samples: usize = std::env::var("IMPASTO_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if first.as_secs_f64() > 5.0 { 3 } else { 10 });
    evaluate(&vgg, &loss, &x, &device); // one more warm-up
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            evaluate(&vgg, &loss, &x, &device);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "| {backend} | {size} px | {:.0} ms | {median:.1} [{:.1}, {:.1}] | {samples} | {} |",
        first.as_secs_f64() * 1e3,
        times[0],
        times[times.len() - 1],
        peak_rss()
    );
}

/// Peak resident memory of this process (Linux `VmHWM`), or `n/a`.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} MiB", kb / 1024.0))
        })
        .unwrap_or_else(|| "n/a".into())
}
