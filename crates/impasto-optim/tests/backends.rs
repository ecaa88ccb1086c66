//! The same L-BFGS code runs on every backend: the caller picks one by the device of the
//! start point. Rosenbrock in f32, its gradient from burn's autodiff on that device.
//!
//! The wgpu test needs a Vulkan (or Metal, DX12) adapter; in CI that is Mesa's software
//! lavapipe (`apt-get install mesa-vulkan-drivers`, with `XDG_RUNTIME_DIR` set). The
//! ndarray test needs the crate feature `ndarray`.

use std::convert::Infallible;

use burn::tensor::{Device, Tensor};
use impasto_optim::{Evaluation, Lbfgs, LbfgsConfig, Minimizer, Outcome, Termination};

/// f(a, b) = (1 − a)² + 100 (b − a²)² with the gradient from autodiff.
fn rosenbrock(x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
    let x = x.clone().autodiff().require_grad();
    let a = x.clone().narrow(0, 0, 1);
    let b = x.clone().narrow(0, 1, 1);
    let loss =
        (a.clone().neg() + 1.0).powi_scalar(2) + (b - a.powi_scalar(2)).powi_scalar(2) * 100.0;
    let grads = loss.backward();
    Ok(Evaluation::new(
        loss,
        x.grad(&grads).expect("x requires its gradient"),
    ))
}

fn run(device: &Device, max_iterations: usize) -> Outcome<1> {
    let config = LbfgsConfig::default()
        .with_gradient_tolerance(1e-3)
        .and_then(|c| c.with_max_iterations(max_iterations))
        .unwrap();
    let x0 = Tensor::<1>::from_floats([-1.2, 1.0], device);
    let outcome = Lbfgs::new(config)
        .minimize(&mut rosenbrock, x0, &mut ())
        .unwrap();
    assert_eq!(
        outcome.x.device(),
        *device,
        "the result stays on the caller's device"
    );
    outcome
}

#[test]
fn lbfgs_runs_on_flex() {
    let outcome = run(&Device::flex(), 1000);
    assert_eq!(outcome.termination, Termination::ConvergedGradient);
    assert!(outcome.loss < 1e-6, "{}", outcome.loss);
}

#[cfg(feature = "ndarray")]
#[test]
#[allow(deprecated)] // burn-ndarray is deprecated in burn 0.22 but still a supported backend here
fn lbfgs_runs_on_ndarray() {
    let flex = run(&Device::flex(), 1000);
    let ndarray = run(&Device::ndarray(), 1000);
    assert_eq!(ndarray.termination, Termination::ConvergedGradient);
    assert!(ndarray.loss < 1e-6);
    // Same arithmetic up to f32 rounding: the same path, give or take an evaluation.
    assert!(ndarray.evaluations.abs_diff(flex.evaluations) <= 3);
}

/// Kept small (a handful of iterations): the first kernel compilations on a software
/// Vulkan device take seconds each.
#[test]
fn lbfgs_runs_on_wgpu() {
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
    let flex = run(&Device::flex(), 8);
    let wgpu = run(&device, 8);
    assert_eq!(wgpu.termination, Termination::MaxIterations);
    assert_eq!(wgpu.iterations, 8);
    // The first iterations agree with flex's to f32 rounding.
    assert!(
        (wgpu.loss - flex.loss).abs() <= 1e-3 * flex.loss,
        "{} vs {}",
        wgpu.loss,
        flex.loss
    );
}
