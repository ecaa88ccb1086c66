//! Gradient descent and Adam, the baselines L-BFGS is compared with.

mod common;

use std::convert::Infallible;

use common::problems::rosenbrock;
use common::{HostObjective, f64_tensor, fixture, to_host};
use impasto_optim::{
    Adam, AdamConfig, Control, GradientDescent, GradientDescentConfig, IterationRecord, Lbfgs,
    LbfgsConfig, Minimizer, Termination,
};

fn floats(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Adam follows torch.optim.Adam (lr 0.01, float64) for 20 steps.
#[test]
fn adam_reproduces_torch_adam() {
    let reference = fixture("torch_adam.json");
    let torch = floats(&reference["losses"]);
    let config = AdamConfig::default()
        .with_learning_rate(reference["learning_rate"].as_f64().unwrap())
        .and_then(|c| c.with_max_iterations(torch.len() - 1))
        .unwrap();
    let mut ours = Vec::new();
    let mut observer = |r: &IterationRecord| {
        ours.push(r.loss);
        Control::Continue
    };
    let outcome = Adam::new(config)
        .minimize(
            &mut HostObjective::new(rosenbrock),
            f64_tensor(&floats(&reference["x0"])),
            &mut observer,
        )
        .unwrap();
    assert_eq!(outcome.termination, Termination::MaxIterations);
    assert_eq!(ours.len(), torch.len());
    for (k, (a, b)) in ours.iter().zip(&torch).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs(),
            "step {k}: {a} vs torch {b}"
        );
    }
}

/// On ‖x‖² a step t multiplies x by (1 − 2t).
#[test]
fn gradient_descent_takes_fixed_steps() {
    let config = GradientDescentConfig::default()
        .with_learning_rate(0.1)
        .and_then(|c| c.with_max_iterations(10))
        .unwrap();
    let mut steps = Vec::new();
    let mut observer = |r: &IterationRecord| {
        steps.push((r.iteration, r.evaluations, r.step));
        Control::Continue
    };
    let mut bowl = |x: &burn::tensor::Tensor<1>| {
        Ok::<_, Infallible>(impasto_optim::Evaluation::new(
            x.clone().powi_scalar(2).sum(),
            x.clone() * 2.0,
        ))
    };
    let outcome = GradientDescent::new(config)
        .minimize(&mut bowl, f64_tensor(&[1.0, -2.0]), &mut observer)
        .unwrap();
    assert_eq!(
        (outcome.termination, outcome.iterations, outcome.evaluations),
        (Termination::MaxIterations, 10, 11)
    );
    let shrink = 0.8f64.powi(10);
    let x = to_host(&outcome.x);
    assert!((x[0] - shrink).abs() < 1e-12 && (x[1] + 2.0 * shrink).abs() < 1e-12);
    assert_eq!(steps[0], (0, 1, 0.0));
    assert_eq!(steps[10], (10, 11, 0.1));
}

/// Too large a rate diverges; the outcome keeps the best point (the start).
#[test]
fn diverging_gradient_descent_keeps_the_best_point() {
    let config = GradientDescentConfig::default()
        .with_learning_rate(1.5)
        .and_then(|c| c.with_max_iterations(5))
        .unwrap();
    let mut bowl = |x: &burn::tensor::Tensor<1>| {
        Ok::<_, Infallible>(impasto_optim::Evaluation::new(
            x.clone().powi_scalar(2).sum(),
            x.clone() * 2.0,
        ))
    };
    let outcome = GradientDescent::new(config)
        .minimize(&mut bowl, f64_tensor(&[1.0]), &mut ())
        .unwrap();
    assert_eq!(outcome.termination, Termination::MaxIterations);
    assert_eq!((to_host(&outcome.x), outcome.loss), (vec![1.0], 1.0));
}

/// The comparison the crate exists for: on Rosenbrock, L-BFGS reaches in a few dozen
/// evaluations what first-order methods do not reach in hundreds.
#[test]
fn lbfgs_beats_first_order_methods_on_rosenbrock() {
    let x0 = f64_tensor(&[-1.2, 1.0]);
    let lbfgs = Lbfgs::new(
        LbfgsConfig::default()
            .with_gradient_tolerance(1e-5)
            .unwrap(),
    )
    .minimize(&mut HostObjective::new(rosenbrock), x0.clone(), &mut ())
    .unwrap();
    assert!(lbfgs.loss < 1e-10 && lbfgs.evaluations < 60);
    let adam = Adam::new(
        AdamConfig::default()
            .with_learning_rate(0.02)
            .and_then(|c| c.with_max_iterations(500))
            .unwrap(),
    )
    .minimize(&mut HostObjective::new(rosenbrock), x0.clone(), &mut ())
    .unwrap();
    let gd = GradientDescent::new(
        GradientDescentConfig::default()
            .with_learning_rate(1e-3)
            .and_then(|c| c.with_max_iterations(500))
            .unwrap(),
    )
    .minimize(&mut HostObjective::new(rosenbrock), x0, &mut ())
    .unwrap();
    assert!(adam.loss > 1e3 * lbfgs.loss && gd.loss > 1e3 * lbfgs.loss);
    assert!(
        adam.loss < 24.2 && gd.loss < 24.2,
        "both still make progress"
    );
}
