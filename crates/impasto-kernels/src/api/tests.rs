//! The kernels on burn tensors against burn's own operations, forward and through autodiff.

use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};

use super::*;
use crate::extension::FAST_PATH_CALLS;
use crate::test_support::conv_from_data;

fn random(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    device.seed(seed);
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), device)
}

fn conv(channels_out: usize, channels_in: usize, seed: u64, device: &Device) -> Conv2d {
    let weight = random([channels_out, channels_in, 3, 3], seed, device).into_data();
    let bias = random([1, 1, 1, channels_out], seed + 1, device).reshape([channels_out]);
    conv_from_data(weight, bias.into_data(), device)
}

/// Runs `f` and says whether the fast kernel ran meanwhile (other tests may run it too,
/// so a `false` is reliable, a `true` only with the fallback expected not to run it).
fn fast_path_ran<T>(f: impl FnOnce() -> T) -> (T, bool) {
    use std::sync::atomic::Ordering;
    let before = FAST_PATH_CALLS.load(Ordering::Relaxed);
    let value = f();
    (value, FAST_PATH_CALLS.load(Ordering::Relaxed) > before)
}

fn max_difference(a: Tensor<4>, b: Tensor<4>) -> f32 {
    (a - b).abs().max().into_scalar()
}

/// On flex the fast path runs, and gives burn's convolution (whose own tests hold it
/// to the definition; the kernel's tests hold the fast path to it directly as well).
#[test]
fn forward_matches_burns_convolution() {
    let device = Device::flex();
    for (n, c_in, c_out, h, w) in [(1, 3, 8, 13, 17), (2, 16, 4, 6, 40), (1, 64, 32, 28, 28)] {
        let conv = conv(c_out, c_in, 11, &device);
        let x = random([n, c_in, h, w], 5, &device);
        let (fast, ran) = fast_path_ran(|| conv_forward(&conv, x.clone()));
        assert!(ran, "the fast kernel runs on flex");
        let error = max_difference(fast, conv.forward(x));
        assert!(error < 1e-4, "[{n}, {c_in}, {h}, {w}] → {c_out}: {error}");
    }
}

/// Two convolutions with a ReLU between, differentiated for the input through the fast
/// path and through burn's: the same gradient. Channels few (im2col) and many
/// (Winograd, its filters transformed once and then served from the cache; F(2×2, 3×3)
/// on the small image, F(4×4, 3×3) on the large one).
#[test]
fn input_gradient_matches_burns() {
    let device = Device::flex().autodiff();
    for (channels, height, width) in [(12, 10, 14), (32, 12, 9), (32, 26, 25)] {
        let first = conv(channels, 3, 21, &device);
        let second = conv(channels / 2, channels, 23, &device);
        let x = random([2, 3, height, width], 7, &device);
        let upstream = random([2, channels / 2, height, width], 9, &device);
        let gradient = |fast: bool| {
            let x = x.clone().require_grad();
            let forward = |conv: &Conv2d, x| {
                if fast {
                    conv_forward(conv, x)
                } else {
                    conv.forward(x)
                }
            };
            let y = forward(&second, relu(forward(&first, x.clone())));
            let grads = (y * upstream.clone()).sum().backward();
            x.grad(&grads).expect("the input is tracked")
        };
        let (fast, ran) = fast_path_ran(|| gradient(true));
        assert!(ran, "the fast kernel runs on autodiff flex");
        let again = gradient(true);
        let burns = gradient(false);
        // Relative to the largest element: Winograd's rounding grows with the sums (the
        // 3-channel input gradient sums 32 channels through F(4×4, 3×3) on the large image).
        let scale: f32 = burns.clone().abs().max().into_scalar();
        let error = max_difference(fast.clone(), burns) / scale;
        eprintln!("{channels} channels: relative error {error}");
        assert!(error < 1e-5, "{channels} channels: relative error {error}");
        assert_eq!(max_difference(fast, again.clone()), 0.0, "the cached run");
        assert!(scale > 0.1, "a gradient to compare");
    }
}

/// The convolution with its ReLU fused, forward and input gradient, against burn's
/// convolution then burn's ReLU.
#[test]
fn fused_relu_matches_burns_convolution_then_relu() {
    let device = Device::flex().autodiff();
    // im2col (3 channels in), Winograd F(2×2, 3×3) and F(4×4, 3×3): the input gradient
    // reads the ReLU's output as it goes (im2col masks the gradient first).
    for (c_in, c_out, h, w) in [(3, 8, 9, 11), (16, 24, 12, 10), (16, 24, 26, 25)] {
        let conv = conv(c_out, c_in, 61, &device);
        let x = random([2, c_in, h, w], 63, &device);
        let upstream = random([2, c_out, h, w], 65, &device);
        let run = |fast: bool| {
            let x = x.clone().require_grad();
            let y = if fast {
                conv_relu_forward(&conv, x.clone())
            } else {
                relu(conv.forward(x.clone()))
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            (y, x.grad(&grads).expect("the input is tracked"))
        };
        let ((fast, ran), (burns, burns_gradient)) = (fast_path_ran(|| run(true)), run(false));
        assert!(ran, "the fast kernel runs");
        let (fast, fast_gradient) = fast;
        let shape = format!("{c_in} → {c_out} at {h} × {w}");
        // Winograd's rounding grows with the sums (its own tests hold it to the f64
        // definition); im2col's is the definition's order of summation.
        let forward_tolerance = if c_in == 3 { 1e-5 } else { 1e-4 };
        assert!(max_difference(fast, burns) < forward_tolerance, "{shape}");
        assert!(
            max_difference(fast_gradient, burns_gradient) < 1e-4,
            "{shape}"
        );
    }
}

/// The convolution, ReLU and max-pool as one op: forward and input gradient the same to
/// the bit as the fast ops in turn, and as burn's ops to rounding. im2col (3 channels in),
/// F(2×2, 3×3) and F(4×4, 3×3); odd sides, whose last row or column the pool drops.
#[test]
fn fused_pool_is_the_ops_in_turn() {
    let device = Device::flex().autodiff();
    for (c_in, c_out, h, w) in [(3, 8, 9, 11), (16, 24, 12, 10), (16, 24, 27, 25)] {
        let conv = conv(c_out, c_in, 81, &device);
        let x = random([2, c_in, h, w], 83, &device);
        let upstream = random([2, c_out, h / 2, w / 2], 85, &device);
        let run = |op: &dyn Fn(Tensor<4>) -> Tensor<4>| {
            let x = x.clone().require_grad();
            let y = op(x.clone());
            let grads = (y.clone() * upstream.clone()).sum().backward();
            (y, x.grad(&grads).expect("the input is tracked"))
        };
        let (fused, fused_gradient) = run(&|x| conv_relu_max_pool_forward(&conv, x));
        let (in_turn, in_turn_gradient) = run(&|x| max_pool2x2(conv_relu_forward(&conv, x)));
        let (burns, burns_gradient) =
            run(&|x| max_pool2d(relu(conv.forward(x)), MaxPoolOptions::new([2, 2])));
        let shape = format!("{c_in} → {c_out} at {h} × {w}");
        assert_eq!(max_difference(fused.clone(), in_turn), 0.0, "{shape}");
        assert_eq!(
            max_difference(fused_gradient.clone(), in_turn_gradient),
            0.0,
            "{shape}"
        );
        assert!(max_difference(fused, burns) < 1e-4, "{shape}");
        assert!(
            max_difference(fused_gradient.clone(), burns_gradient) < 1e-4,
            "{shape}"
        );
        assert!(
            fused_gradient.abs().max().into_scalar::<f32>() > 0.1,
            "{shape}"
        );
    }
}

/// A network on the plain flex device fed a tracked input on the autodiff one: the
/// weights act as constants, as they do for burn's own convolution.
#[test]
fn plain_weights_with_a_tracked_input() {
    let plain = Device::flex();
    let conv = conv(4, 3, 71, &plain);
    let x = random([1, 3, 6, 5], 73, &Device::flex().autodiff());
    let gradient = |fast: bool| {
        let x = x.clone().require_grad();
        let y = if fast {
            conv_relu_forward(&conv, x.clone())
        } else {
            relu(conv.forward(x.clone()))
        };
        let grads = y.sum().backward();
        x.grad(&grads).expect("the input is tracked")
    };
    assert!(max_difference(gradient(true), gradient(false)) < 1e-5);
    let pooled = |fast: bool| {
        let x = x.clone().require_grad();
        let y = if fast {
            max_pool2x2(x.clone())
        } else {
            max_pool2d(x.clone(), MaxPoolOptions::new([2, 2]))
        };
        let grads = y.sum().backward();
        x.grad(&grads).expect("the input is tracked")
    };
    assert_eq!(max_difference(pooled(true), pooled(false)), 0.0);
}

/// Weights that want gradients take burn's convolution, so they get them.
#[test]
fn trainable_weights_still_get_gradients() {
    let device = Device::flex().autodiff();
    let weight = random([4, 3, 3, 3], 31, &device);
    let trainable = Conv2d {
        weight: burn::module::Param::from_tensor(weight.require_grad()),
        ..conv(4, 3, 31, &device)
    };
    let x = random([1, 3, 5, 5], 33, &device);
    let grads = conv_forward(&trainable, x).sum().backward();
    let weight_gradient = trainable.weight.val().grad(&grads);
    assert!(weight_gradient.is_some(), "the weight gradient is computed");
}

/// The pooling on flex against burn's, forward and input gradient (odd sides included:
/// the last row and column are dropped by both).
#[test]
fn max_pool_matches_burns() {
    let device = Device::flex().autodiff();
    for [n, c, h, w] in [[1, 3, 8, 8], [2, 5, 7, 9]] {
        let x = random([n, c, h, w], 51, &device);
        let upstream = random([n, c, h / 2, w / 2], 53, &device);
        let run = |fast: bool| {
            let x = x.clone().require_grad();
            let y = if fast {
                max_pool2x2(x.clone())
            } else {
                max_pool2d(x.clone(), MaxPoolOptions::new([2, 2]))
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            (y, x.grad(&grads).expect("the input is tracked"))
        };
        let ((fast, fast_gradient), (burns, burns_gradient)) = (run(true), run(false));
        assert_eq!(
            max_difference(fast.clone(), burns),
            0.0,
            "[{n}, {c}, {h}, {w}]"
        );
        assert_eq!(max_difference(fast_gradient, burns_gradient), 0.0);
    }
}

#[test]
fn untracked_autodiff_input_runs_the_fast_path() {
    let device = Device::flex().autodiff();
    let conv = conv(5, 3, 41, &device).no_grad();
    let x = random([1, 3, 7, 9], 43, &device);
    let (fast, ran) = fast_path_ran(|| conv_forward(&conv, x.clone()));
    assert!(ran, "the fast kernel runs for an untracked input");
    let error = max_difference(fast, conv.forward(x));
    assert!(error < 1e-4, "max difference {error}");
}
