//! Every way a run ends is a typed termination with a usable point, never a panic; invalid
//! settings and malformed objectives are errors.

mod common;

use std::cell::RefCell;
use std::convert::Infallible;

use burn::tensor::Tensor;
use common::dual::Dual;
use common::problems::rosenbrock;
use common::{HostObjective, f64_tensor, to_host};
use impasto_optim::{
    Adam, AdamConfig, Control, Evaluation, EvaluationPart, GradientDescent, GradientDescentConfig,
    IterationRecord, Lbfgs, LbfgsConfig, LineSearch, Minimizer, Objective, OptimError, Termination,
};

fn bowl(x: &[Dual]) -> Dual {
    x.iter()
        .fold(Dual::constant(0.0, x.len()), |acc, v| acc + v.sq())
}

fn lbfgs(line_search: LineSearch) -> Lbfgs {
    Lbfgs::new(
        LbfgsConfig::default()
            .with_line_search(line_search)
            .unwrap(),
    )
}

const SEARCHES: [LineSearch; 3] = [
    LineSearch::None { learning_rate: 1.0 },
    LineSearch::StrongWolfe { c1: 1e-4, c2: 0.9 },
    LineSearch::Armijo { c1: 1e-4 },
];

/// ‖x‖² that turns NaN (or ∞) after `good` evaluations.
fn breaks_after(
    good: usize,
    bad: f64,
) -> impl FnMut(&Tensor<1>) -> Result<Evaluation<1>, Infallible> {
    let mut inner = HostObjective::new(bowl);
    let mut calls = 0;
    move |x: &Tensor<1>| {
        calls += 1;
        let Ok(e) = inner.evaluate(x);
        Ok(if calls > good {
            Evaluation::new(e.loss * bad, e.gradient)
        } else {
            e
        })
    }
}

#[test]
fn non_finite_loss_reverts_to_the_best_point() {
    for search in SEARCHES {
        for bad in [f64::NAN, f64::INFINITY] {
            // The first trial already breaks: back to the start point.
            let mut f = breaks_after(1, bad);
            let outcome = lbfgs(search)
                .minimize(&mut f, f64_tensor(&[3.0, -4.0]), &mut ())
                .unwrap();
            assert_eq!(
                outcome.termination,
                Termination::NonFiniteLoss,
                "{search:?}"
            );
            assert_eq!((outcome.loss, outcome.evaluations), (25.0, 2), "{search:?}");
            assert_eq!(to_host(&outcome.x), [3.0, -4.0]);
        }
    }
    // One good step, then NaN: the outcome is the point after that step.
    let mut f = breaks_after(2, f64::NAN);
    let outcome = lbfgs(SEARCHES[0])
        .minimize(&mut f, f64_tensor(&[3.0, -4.0]), &mut ())
        .unwrap();
    assert_eq!(outcome.termination, Termination::NonFiniteLoss);
    assert_eq!((outcome.iterations, outcome.evaluations), (1, 3));
    let x = to_host(&outcome.x);
    assert!(outcome.loss < 25.0);
    assert!(
        (x[0] * x[0] + x[1] * x[1] - outcome.loss).abs() < 1e-12,
        "x is the best point"
    );
    for minimizer_result in [
        GradientDescent::new(
            GradientDescentConfig::default()
                .with_learning_rate(0.1)
                .unwrap(),
        )
        .minimize(
            &mut breaks_after(3, f64::NAN),
            f64_tensor(&[3.0, -4.0]),
            &mut (),
        ),
        Adam::new(AdamConfig::default().with_learning_rate(0.1).unwrap()).minimize(
            &mut breaks_after(3, f64::NAN),
            f64_tensor(&[3.0, -4.0]),
            &mut (),
        ),
    ] {
        let outcome = minimizer_result.unwrap();
        assert_eq!(outcome.termination, Termination::NonFiniteLoss);
        assert!(outcome.loss < 25.0);
    }
}

#[test]
fn non_finite_start_or_gradient() {
    let mut nan_start = breaks_after(0, f64::NAN);
    let outcome = Lbfgs::default()
        .minimize(&mut nan_start, f64_tensor(&[1.0]), &mut ())
        .unwrap();
    assert_eq!(outcome.termination, Termination::NonFiniteLoss);
    assert_eq!((outcome.iterations, outcome.evaluations), (0, 1));
    assert!(outcome.loss.is_nan());

    // A finite loss with a NaN in the gradient.
    let mut nan_gradient = |x: &Tensor<1>| {
        Ok::<_, Infallible>(Evaluation::new(
            x.clone().powi_scalar(2).sum(),
            x.clone() * f64::NAN,
        ))
    };
    let outcome = Lbfgs::default()
        .minimize(&mut nan_gradient, f64_tensor(&[1.0]), &mut ())
        .unwrap();
    assert_eq!(outcome.termination, Termination::NonFiniteLoss);
}

/// An objective that reports −∇f: every direction L-BFGS takes goes uphill. The line
/// search fails, is retried along "steepest descent" (also uphill), and the run ends with
/// the start point.
#[test]
fn ascent_direction_ends_in_line_search_failed() {
    for search in [SEARCHES[1], SEARCHES[2]] {
        let mut inner = HostObjective::new(rosenbrock);
        let mut wrong_sign = |x: &Tensor<1>| {
            let Ok(e) = inner.evaluate(x);
            Ok::<_, Infallible>(Evaluation::new(e.loss, e.gradient.neg()))
        };
        let x0 = [-1.2, 1.0];
        let outcome = lbfgs(search)
            .minimize(&mut wrong_sign, f64_tensor(&x0), &mut ())
            .unwrap();
        assert_eq!(
            outcome.termination,
            Termination::LineSearchFailed,
            "{search:?}"
        );
        assert_eq!(to_host(&outcome.x), x0.to_vec());
        assert_eq!(outcome.iterations, 0);
        assert!(outcome.evaluations <= 1 + 25, "{}", outcome.evaluations);
    }
}

#[test]
fn limits_and_observer() {
    let x0 = f64_tensor(&[-1.2, 1.0]);
    let limited = |c: LbfgsConfig| Lbfgs::new(c);

    let five = LbfgsConfig::default()
        .with_max_iterations(5)
        .and_then(|c| c.with_max_evaluations(100));
    let outcome = limited(five.unwrap())
        .minimize(&mut HostObjective::new(rosenbrock), x0.clone(), &mut ())
        .unwrap();
    assert_eq!(
        (outcome.termination, outcome.iterations),
        (Termination::MaxIterations, 5)
    );

    let outcome = limited(LbfgsConfig::default().with_max_evaluations(7).unwrap())
        .minimize(&mut HostObjective::new(rosenbrock), x0.clone(), &mut ())
        .unwrap();
    assert_eq!(outcome.termination, Termination::MaxEvaluations);
    assert!(outcome.evaluations <= 7);

    // 0 iterations: the start point is evaluated once, and that is all.
    let outcome = limited(LbfgsConfig::default().with_max_iterations(0).unwrap())
        .minimize(&mut HostObjective::new(rosenbrock), x0.clone(), &mut ())
        .unwrap();
    assert_eq!((outcome.iterations, outcome.evaluations), (0, 1));
    assert!((outcome.loss - 24.2).abs() < 1e-12);

    let mut records = Vec::new();
    let mut observer = |r: &IterationRecord| {
        records.push(*r);
        if r.iteration == 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let outcome = Lbfgs::default()
        .minimize(&mut HostObjective::new(rosenbrock), x0, &mut observer)
        .unwrap();
    assert_eq!(
        (outcome.termination, outcome.iterations),
        (Termination::Stopped, 3)
    );
    assert_eq!(
        records.iter().map(|r| r.iteration).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(records[0].step, 0.0);
    assert_eq!(records[0].evaluations, 1);
    // Monotone with a line search: each record's loss is below the one before.
    assert!(
        records
            .windows(2)
            .all(|w| w[1].loss < w[0].loss && w[1].elapsed >= w[0].elapsed)
    );
    assert_eq!(outcome.loss, records[3].loss);
}

#[test]
fn convergence_outcomes() {
    // Already at the minimum: converged before any iteration.
    let outcome = Lbfgs::default()
        .minimize(
            &mut HostObjective::new(bowl),
            f64_tensor(&[0.0, 0.0]),
            &mut (),
        )
        .unwrap();
    assert_eq!(
        (outcome.termination, outcome.iterations),
        (Termination::ConvergedGradient, 0)
    );
    assert!(outcome.termination.converged());

    // A coarse change tolerance stops on the change test.
    let coarse = LbfgsConfig::default()
        .with_change_tolerance(1e-2)
        .and_then(|c| c.with_gradient_tolerance(0.0))
        .unwrap();
    let outcome = Lbfgs::new(coarse)
        .minimize(
            &mut HostObjective::new(rosenbrock),
            f64_tensor(&[-1.2, 1.0]),
            &mut (),
        )
        .unwrap();
    assert_eq!(outcome.termination, Termination::ConvergedChange);
}

#[test]
fn invalid_settings_are_errors() {
    let c = LbfgsConfig::default;
    assert!(c().with_history(0).is_err());
    assert!(c().with_history(1001).is_err());
    assert!(c().with_history(1000).is_ok());
    assert!(c().with_max_evaluations(0).is_err());
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(c().with_gradient_tolerance(bad).is_err());
        assert!(c().with_change_tolerance(bad).is_err());
        assert!(
            c().with_line_search(LineSearch::None { learning_rate: bad })
                .is_err()
        );
        assert!(
            c().with_line_search(LineSearch::Armijo { c1: bad })
                .is_err()
        );
        assert!(
            GradientDescentConfig::default()
                .with_learning_rate(bad)
                .is_err()
        );
        assert!(AdamConfig::default().with_learning_rate(bad).is_err());
        assert!(AdamConfig::default().with_epsilon(bad).is_err());
        assert!(AdamConfig::default().with_beta1(bad).is_err());
    }
    assert!(
        c().with_line_search(LineSearch::None { learning_rate: 0.0 })
            .is_err()
    );
    for (c1, c2) in [(0.0, 0.9), (0.9, 0.5), (0.5, 0.5), (1e-4, 1.0), (-1.0, 0.9)] {
        assert!(
            c().with_line_search(LineSearch::StrongWolfe { c1, c2 })
                .is_err(),
            "{c1} {c2}"
        );
    }
    assert!(AdamConfig::default().with_beta2(1.0).is_err());
    let error = c().with_history(0).unwrap_err();
    assert!(matches!(
        error,
        OptimError::InvalidConfig {
            parameter: "history",
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "invalid optimizer setting `history` = 0: expected 1 ..= 1000"
    );
}

#[test]
fn a_gradient_of_the_wrong_shape_is_an_error() {
    let mut wrong = |x: &Tensor<1>| {
        Ok::<_, Infallible>(Evaluation::new(
            x.clone().sum(),
            f64_tensor(&[1.0, 2.0, 3.0]),
        ))
    };
    let error = Lbfgs::default()
        .minimize(&mut wrong, f64_tensor(&[1.0, 2.0]), &mut ())
        .unwrap_err();
    assert_eq!(
        error,
        OptimError::ShapeMismatch {
            part: EvaluationPart::Gradient,
            expected: vec![2],
            found: vec![3]
        }
    );
    assert_eq!(
        error.to_string(),
        "the objective's gradient has shape [3], but the point has shape [2]"
    );
    let mut long_loss = |x: &Tensor<1>| Ok::<_, Infallible>(Evaluation::new(x.clone(), x.clone()));
    let error = Adam::default()
        .minimize(&mut long_loss, f64_tensor(&[1.0, 2.0]), &mut ())
        .unwrap_err();
    assert!(matches!(error, OptimError::ShapeMismatch { .. }));
    assert_eq!(
        error.to_string(),
        "the objective's loss has shape [2], but a loss is a one-element tensor of shape [1]"
    );
}

/// An objective's own error, say a network that cannot take the image.
#[derive(Debug, Clone, PartialEq)]
struct NoNetwork {
    at_evaluation: usize,
}

/// ‖x‖² that fails at evaluation `fails_at` (counting from 1).
fn fails_at(fails_at: usize) -> impl FnMut(&Tensor<1>) -> Result<Evaluation<1>, NoNetwork> {
    let mut inner = HostObjective::new(bowl);
    let mut calls = 0;
    move |x: &Tensor<1>| {
        calls += 1;
        if calls == fails_at {
            return Err(NoNetwork {
                at_evaluation: calls,
            });
        }
        let Ok(e) = inner.evaluate(x);
        Ok(e)
    }
}

/// The objective's error ends the run and comes back typed, unchanged, from every
/// minimizer and step kind, at the start point or later.
#[test]
fn an_objective_error_comes_back_typed() {
    let gd = GradientDescent::new(
        GradientDescentConfig::default()
            .with_learning_rate(0.1)
            .unwrap(),
    );
    let adam = Adam::new(AdamConfig::default().with_learning_rate(0.1).unwrap());
    for fails in [1, 2, 3] {
        let expected = OptimError::Objective(NoNetwork {
            at_evaluation: fails,
        });
        let x0 = || f64_tensor(&[3.0, -4.0]);
        for search in SEARCHES {
            let error = lbfgs(search)
                .minimize(&mut fails_at(fails), x0(), &mut ())
                .unwrap_err();
            assert_eq!(error, expected, "{search:?}");
        }
        let error = gd
            .minimize(&mut fails_at(fails), x0(), &mut ())
            .unwrap_err();
        assert_eq!(error, expected);
        let error = adam
            .minimize(&mut fails_at(fails), x0(), &mut ())
            .unwrap_err();
        assert_eq!(
            error.into_objective(),
            Ok(NoNetwork {
                at_evaluation: fails
            })
        );
    }
}

/// Runs `minimizer` on Rosenbrock; checks that each record names the evaluation whose
/// point is the iterate (its loss is the record's, and it is at most the evaluation count:
/// a line search may have tried others); returns the records.
fn check_accepted_evaluations(minimizer: &impl Minimizer) -> Vec<IterationRecord> {
    let losses = RefCell::new(Vec::new());
    let mut inner = HostObjective::new(rosenbrock);
    let mut objective = |x: &Tensor<1>| {
        let Ok(e) = inner.evaluate(x);
        losses.borrow_mut().push(to_host(&e.loss)[0]);
        Ok::<_, Infallible>(e)
    };
    let mut records = Vec::new();
    let mut observer = |r: &IterationRecord| {
        records.push(*r);
        Control::Continue
    };
    minimizer
        .minimize(&mut objective, f64_tensor(&[-1.2, 1.0]), &mut observer)
        .unwrap();
    let losses = losses.into_inner();
    assert_eq!(records[0].accepted_evaluation, 1);
    for r in &records {
        assert!(
            (1..=r.evaluations).contains(&r.accepted_evaluation),
            "{r:?}"
        );
        assert_eq!(losses[r.accepted_evaluation - 1], r.loss, "{r:?}");
    }
    records
}

#[test]
fn records_name_the_accepted_evaluation() {
    for search in SEARCHES {
        let config = LbfgsConfig::default()
            .with_line_search(search)
            .and_then(|c| c.with_max_iterations(20))
            .unwrap();
        let records = check_accepted_evaluations(&Lbfgs::new(config));
        if search != SEARCHES[0] {
            // Some iteration evaluated more than one trial point.
            assert!(
                records
                    .windows(2)
                    .any(|w| w[1].evaluations - w[0].evaluations > 1),
                "{search:?}"
            );
        }
    }
    let gd = GradientDescentConfig::default()
        .with_learning_rate(1e-3)
        .and_then(|c| c.with_max_iterations(10))
        .unwrap();
    let adam = AdamConfig::default().with_max_iterations(10).unwrap();
    for records in [
        check_accepted_evaluations(&GradientDescent::new(gd)),
        check_accepted_evaluations(&Adam::new(adam)),
    ] {
        // One evaluation per iteration, and it is the iterate.
        assert!(
            records
                .iter()
                .all(|r| r.accepted_evaluation == r.evaluations)
        );
        assert_eq!(records.len(), 11);
    }
}
