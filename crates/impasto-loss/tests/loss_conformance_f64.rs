//! The conformance comparison of `loss_conformance.rs` run in float64 (flex's default
//! float type set to `F64` for this test binary): with rounding out of the way, what is
//! left is any difference in the mathematics itself.
//!
//! Ignored by default: the dev profile does not optimise the f64 matrix multiplier, so
//! this takes ~9 minutes. Run it with
//! `cargo test -p impasto-loss --test loss_conformance_f64 -- --ignored --nocapture`.

#[path = "loss_conformance/common.rs"]
mod common;

use burn::tensor::{Device, FloatDType};

#[test]
#[ignore = "about 9 minutes in the dev profile (unoptimised f64 GEMM)"]
fn in_float64_every_term_and_gradient_matches_pytorch_to_rounding() {
    let mut device = Device::flex();
    device
        .configure(FloatDType::F64)
        .expect("this test binary configures flex before creating any tensor");
    let rows = common::compare_all(&device.autodiff());
    let worst = common::report(&rows);
    // Total variation involves no network: it must agree to rounding.
    for row in rows.iter().filter(|r| r.quantity.contains("tv")) {
        assert!(
            row.relative_error() <= 1e-12,
            "{} {}",
            row.case,
            row.quantity
        );
    }
    // The network normalises pixels with f32 constants (1/std, mean/std rounded to f32),
    // which alone moves every feature by ~1e-7 relative; projections of the gradient on a
    // random direction cancel by up to 1000x (|g·v| vs ‖g‖‖v‖), hence 1e-5 for those.
    assert!(worst <= 1e-5, "largest relative error {worst:.3e}");
}
