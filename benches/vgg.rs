//! VGG16 forward pass to relu5_1 at 224×224 on every enabled backend (random weights:
//! speed does not depend on their values).
//!
//! ```text
//! cargo bench --bench vgg                                   # every enabled backend
//! IMPASTO_BENCH_BACKENDS=flex cargo bench --bench vgg       # a chosen subset
//! cargo bench --bench vgg --features ndarray                # include burn-ndarray
//! ```
//!
//! wgpu on a machine without a GPU runs on a software driver, if at all: leave it out with
//! `IMPASTO_BENCH_BACKENDS=flex`. Each backend's first forward (shader compilation and
//! autotuning on a GPU) is timed separately and printed, not mixed into the samples.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use burn::tensor::{Device, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};
use impasto::Backend;
use impasto::vgg::{Vgg, VggConfig, VggLayer};

const SIZE: usize = 224;

fn chosen_backends() -> Vec<Backend> {
    match std::env::var("IMPASTO_BENCH_BACKENDS") {
        Ok(list) => list
            .split(',')
            .map(|name| {
                name.parse()
                    .unwrap_or_else(|e| panic!("IMPASTO_BENCH_BACKENDS: {e}"))
            })
            .filter(|b: &Backend| b.is_enabled())
            .collect(),
        Err(_) => Backend::enabled(),
    }
}

/// One forward pass to relu5_1, finished on the device before returning.
fn forward(vgg: &Vgg, image: &Tensor<4>, device: &Device) {
    let features = vgg
        .features(image.clone(), &[VggLayer::Relu5_1])
        .expect("224 px is large enough for relu5_1");
    drop(features);
    device.sync().expect("the device finishes its work");
}

fn vgg_forward(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("vgg16_forward_relu5_1_{SIZE}px"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for backend in chosen_backends() {
        let device = backend.device().expect("an enabled backend");
        let vgg = VggConfig::new()
            .with_last_layer(Some(VggLayer::Relu5_1))
            .init(&device);
        let image = Tensor::<4>::full([1, 3, SIZE, SIZE], 0.5, &device);
        let start = Instant::now();
        forward(&vgg, &image, &device);
        println!(
            "{backend}: first forward (compilation, autotuning) {:.2?}",
            start.elapsed()
        );
        if backend == Backend::NdArray {
            // Seconds per pass: keep the run to a few minutes.
            group.measurement_time(Duration::from_secs(60));
        }
        group.bench_function(backend.name(), |b| {
            b.iter(|| forward(&vgg, &image, &device))
        });
    }
    group.finish();
}

criterion_group!(benches, vgg_forward);
criterion_main!(benches);
