//! impasto-loss against the float64 PyTorch reference, in `f32` on the CPU (flex): every
//! loss term, every per-layer style term and the gradient with respect to the pixels agree
//! to 1e-4 relative (docs/maths.md). Run with `--nocapture` for the table
//! of errors.

#[path = "loss_conformance/common.rs"]
mod common;

use burn::tensor::Device;

#[test]
fn every_term_and_gradient_matches_pytorch_float64_to_1e_4() {
    let rows = common::compare_all(&Device::flex().autodiff());
    let worst = common::report(&rows);
    for row in &rows {
        assert!(
            row.relative_error() <= 1e-4,
            "{} {}: {} vs {} (relative error {:.2e})",
            row.case,
            row.quantity,
            row.ours,
            row.reference,
            row.relative_error()
        );
    }
    assert!(worst <= 1e-4);
}
