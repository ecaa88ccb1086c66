//! The optimizer's own cost at style-transfer size: the two-loop recursion with m = 10 on a
//! 3×512×512 image, and a whole L-BFGS iteration minus its evaluation.
//!
//! `cargo bench -p impasto-optim --bench optim` (flex). `IMPASTO_BENCH_WGPU=1` adds the
//! same on wgpu; `IMPASTO_BENCH_SIZE=224` makes the image 3×224×224.
//!
//! Groups:
//! - `two_loop/host_scalars`: [`two_loop_direction`], each α and β read back (2m reads,
//!   the default);
//! - `two_loop/device_scalars`: [`two_loop_direction_on_device`], α and β kept on the
//!   device;
//! - `scalar_read`: one dot product with and without reading it back;
//! - `lbfgs_iteration`: 12 fixed-step iterations (history full from iteration 11) on an
//!   objective costing one multiply, and that objective alone 13 times: the difference
//!   over 12 is the optimizer's own work per iteration.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::Duration;

use burn::tensor::{Device, Distribution, Tensor};
use criterion::Criterion;
use impasto_optim::{
    Bounds, Evaluation, History, Lbfgs, LbfgsConfig, LineSearch, Minimizer, two_loop_direction,
    two_loop_direction_on_device,
};

const M: usize = 10;

/// `[1, 3, side, side]`, the side from `IMPASTO_BENCH_SIZE` (default 512).
fn shape() -> [usize; 4] {
    let side = match std::env::var("IMPASTO_BENCH_SIZE") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|e| panic!("IMPASTO_BENCH_SIZE: `{s}`: {e}")),
        Err(_) => 512,
    };
    [1, 3, side, side]
}

fn random(device: &Device) -> Tensor<4> {
    Tensor::random(shape(), Distribution::Uniform(-1.0, 1.0), device)
}

/// A full history of m pairs with y = w ⊙ s (a positive diagonal curvature).
fn history(device: &Device) -> History<4> {
    let w = Tensor::<4>::random(shape(), Distribution::Uniform(1.0, 10.0), device);
    let mut history = History::new(M);
    for _ in 0..M {
        let s = random(device);
        let y = s.clone() * w.clone();
        assert!(history.push(s, y).unwrap());
    }
    history
}

/// Forces the work queued for `t` to finish (a no-op on an eager backend).
fn sync(t: Tensor<4>) -> f32 {
    t.slice([0..1, 0..1, 0..1, 0..1]).into_scalar::<f32>()
}

fn bench_device(c: &mut Criterion, name: &str, device: &Device) {
    let history = history(device);
    let g = random(device);
    let side = shape()[3];
    let mut group = c.benchmark_group(format!("{name}/two_loop_m10_3x{side}x{side}"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("device_scalars", |b| {
        b.iter(|| sync(two_loop_direction_on_device(black_box(&g), &history)))
    });
    group.bench_function("host_scalars", |b| {
        b.iter(|| sync(two_loop_direction(black_box(&g), &history).unwrap()))
    });
    group.finish();

    let (u, v) = (random(device), random(device));
    let mut group = c.benchmark_group(format!("{name}/scalar_read"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("dot_kept_on_device", |b| {
        b.iter(|| {
            let d = (u.clone() * v.clone()).sum();
            // Use it on the device, as the recursion does, then sync on the vector.
            sync(u.clone() * d.reshape([1, 1, 1, 1]))
        })
    });
    group.bench_function("dot_read_to_host", |b| {
        b.iter(|| {
            let d = (u.clone() * v.clone()).sum().into_scalar::<f64>();
            sync(u.clone().mul_scalar(d))
        })
    });
    group.finish();

    let w = Tensor::<4>::random(shape(), Distribution::Uniform(1.0, 10.0), device);
    let cheap = |x: &Tensor<4>| {
        let wx = w.clone() * x.clone();
        Ok::<_, Infallible>(Evaluation::new((wx.clone() * x.clone()).sum() * 0.5, wx))
    };
    let config = LbfgsConfig::default()
        .with_line_search(LineSearch::None { learning_rate: 1.0 })
        .and_then(|c| c.with_max_iterations(12))
        .and_then(|c| c.with_gradient_tolerance(0.0))
        .and_then(|c| c.with_change_tolerance(0.0))
        .unwrap();
    let lbfgs = Lbfgs::new(config);
    let x0 = random(device);
    let mut group = c.benchmark_group(format!("{name}/lbfgs_iteration_3x{side}x{side}"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("12_iterations", |b| {
        b.iter(|| {
            let outcome = lbfgs.minimize(&mut { cheap }, x0.clone(), &mut ()).unwrap();
            assert_eq!(outcome.iterations, 12);
            sync(outcome.x)
        })
    });
    // The same within a box that cuts the start point (uniform in [−1, 1]) in half: the
    // projection, the held-variable masks and the restricted pairs are what this adds. The
    // minimum, 0, lies inside, so the run does its 12 iterations (a box that held it at
    // the solution would end in 3, exactly converged).
    let bounds = Bounds::uniform(-0.5, 0.5).unwrap();
    group.bench_function("12_iterations_within_bounds", |b| {
        b.iter(|| {
            let outcome = lbfgs
                .minimize_within(&mut { cheap }, x0.clone(), &bounds, &mut ())
                .unwrap();
            assert_eq!(outcome.iterations, 12);
            sync(outcome.x)
        })
    });
    group.bench_function("objective_alone_13_times", |b| {
        b.iter(|| {
            let mut x = x0.clone();
            for _ in 0..13 {
                let Ok(e) = cheap(&x);
                let _: f64 = e.loss.into_scalar();
                x = e.gradient;
            }
            sync(x)
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_device(c, "flex", &Device::flex());
    if std::env::var_os("IMPASTO_BENCH_WGPU").is_some() {
        bench_device(
            c,
            "wgpu",
            &Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
        );
    }
}

// criterion_main! written out: the generated group function would have no docs.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
