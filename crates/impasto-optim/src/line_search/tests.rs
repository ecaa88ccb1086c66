//! Unit tests of the line searches, on one-dimensional slices through small functions.

use std::convert::Infallible;

use burn::tensor::{DType, Device, Tensor, TensorData};

use super::{Accepted, Halt, Search, Trials, armijo, cubic_minimizer, strong_wolfe};
use crate::run::Evaluator;
use crate::scalars::{Point, evaluate};
use crate::{Bounds, Evaluation};

fn vector(values: &[f64]) -> Tensor<1> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len()]),
        (&Device::flex(), DType::F64),
    )
}

fn host(x: &Tensor<1>) -> Vec<f64> {
    x.clone().into_data().iter::<f64>().collect()
}

/// A host function with its gradient.
type HostFn = fn(&[f64]) -> (f64, Vec<f64>);

/// A host function as an objective.
struct Host(HostFn);

impl crate::Objective<1> for Host {
    type Error = Infallible;

    fn evaluate(&mut self, x: &Tensor<1>) -> Result<Evaluation<1>, Infallible> {
        let (value, gradient) = (self.0)(&host(x));
        Ok(Evaluation::new(vector(&[value]), vector(&gradient)))
    }
}

/// Runs `search` from `x0` along `d`; returns the result, the start point, its slope and
/// the evaluations the search made.
fn search_along(
    f: HostFn,
    x0: &[f64],
    d: &[f64],
    budget: usize,
    search: impl FnOnce(&mut Trials<'_, '_, 1, Host>) -> Search<1, Infallible>,
) -> (Search<1, Infallible>, Point<1>, f64, usize) {
    let mut objective = Host(f);
    let direction = vector(d);
    let (start, slope) = evaluate(
        &mut objective,
        vector(x0),
        &Bounds::none(),
        Some(&direction),
        1,
    )
    .unwrap();
    let slope = slope.expect("a direction was given");
    // The run's first evaluation is the start point's; the search's come after it.
    let (mut evaluator, _) = Evaluator::start(&mut objective, vector(x0), Bounds::none()).unwrap();
    let mut trials = Trials {
        evaluator: &mut evaluator,
        start: &start,
        direction: &direction,
        slope,
        direction_max: d.iter().fold(0.0f64, |a, b| a.max(b.abs())),
        max_evaluations: 1 + budget,
    };
    let result = search(&mut trials);
    (result, start, slope, evaluator.count - 1)
}

fn rosenbrock(x: &[f64]) -> (f64, Vec<f64>) {
    let (a, b) = (x[0], x[1]);
    let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
    let g = vec![
        -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
        200.0 * (b - a * a),
    ];
    (f, g)
}

fn bowl(x: &[f64]) -> (f64, Vec<f64>) {
    (
        x.iter().map(|v| v * v).sum(),
        x.iter().map(|v| 2.0 * v).collect(),
    )
}

#[test]
fn strong_wolfe_accepts_only_steps_meeting_both_conditions() {
    let x0 = [-1.2, 1.0];
    let g0 = rosenbrock(&x0).1;
    let d: Vec<f64> = g0.iter().map(|v| -v).collect();
    for initial in [1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0] {
        for (c1, c2) in [(1e-4, 0.9), (1e-4, 0.1), (0.3, 0.5)] {
            let (result, start, slope0, used) = search_along(rosenbrock, &x0, &d, 100, |t| {
                strong_wolfe(t, initial, (c1, c2), 0.0)
            });
            let Ok(Accepted {
                step,
                point,
                slope: Some(slope),
            }) = result
            else {
                panic!("t0 = {initial}, c = ({c1}, {c2}): {result:?}");
            };
            assert!(
                point.loss <= start.loss + c1 * step * slope0,
                "sufficient decrease"
            );
            assert!(slope.abs() <= c2 * slope0.abs(), "curvature");
            // The reported slope is the accepted point's g·d.
            let g = rosenbrock(&host(&point.x)).1;
            let check: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
            assert!((check - slope).abs() <= 1e-9 * check.abs().max(1.0));
            assert!(used <= super::MAX_TRIALS);
        }
    }
}

#[test]
fn an_ascent_direction_fails_without_evaluating() {
    let x0 = [1.0, 2.0];
    let uphill = [2.0, 4.0]; // ∇f itself.
    let (result, .., used) = search_along(bowl, &x0, &uphill, 100, |t| {
        strong_wolfe(t, 1.0, (1e-4, 0.9), 0.0)
    });
    assert!(matches!(result, Err(Halt::Failed)));
    assert_eq!(used, 0);
    let (result, .., used) = search_along(bowl, &x0, &uphill, 100, |t| armijo(t, 1.0, 1e-4, 0.0));
    assert!(matches!(result, Err(Halt::Failed)));
    assert_eq!(used, 0);
}

#[test]
fn a_budget_spent_mid_search_is_reported() {
    // Start far too long, so the search needs several trials; allow two.
    let (result, .., used) = search_along(bowl, &[1.0], &[-2.0], 2, |t| {
        strong_wolfe(t, 1e3, (1e-4, 0.9), 0.0)
    });
    assert!(matches!(result, Err(Halt::OutOfEvaluations)), "{result:?}");
    assert_eq!(used, 2);
}

#[test]
fn a_non_finite_trial_is_reported() {
    let cliff: HostFn = |x| {
        if x[0] < 0.0 {
            (f64::NAN, vec![0.0])
        } else {
            bowl(x)
        }
    };
    let (result, ..) = search_along(cliff, &[1.0], &[-2.0], 100, |t| {
        strong_wolfe(t, 1.0, (1e-4, 0.9), 0.0)
    });
    assert!(matches!(result, Err(Halt::NonFinite)), "{result:?}");
    let (result, ..) = search_along(cliff, &[1.0], &[-2.0], 100, |t| armijo(t, 1.0, 1e-4, 0.0));
    assert!(matches!(result, Err(Halt::NonFinite)), "{result:?}");
}

#[test]
fn armijo_backtracks_to_sufficient_decrease() {
    let x0 = [-1.2, 1.0];
    let d: Vec<f64> = rosenbrock(&x0).1.iter().map(|v| -v).collect();
    let (result, start, slope0, used) =
        search_along(rosenbrock, &x0, &d, 100, |t| armijo(t, 1.0, 1e-4, 0.0));
    let Ok(Accepted { step, point, .. }) = result else {
        panic!("{result:?}")
    };
    assert!(point.loss <= start.loss + 1e-4 * step * slope0);
    assert!(used > 1, "t = 1 is far too long here");
}

#[test]
fn cubic_interpolation_is_exact_on_a_quadratic() {
    // φ(t) = (t − 0.3)², φ′ = 2 (t − 0.3).
    let phi = |t: f64| ((t - 0.3) * (t - 0.3), 2.0 * (t - 0.3));
    let (f0, g0) = phi(0.0);
    let (f1, g1) = phi(1.0);
    let t = cubic_minimizer((0.0, f0, g0), (1.0, f1, g1), (0.0, 1.0));
    assert!((t - 0.3).abs() < 1e-12, "{t}");
    // Clamped to the bounds, and the midpoint where the cubic has no minimiser.
    assert_eq!(
        cubic_minimizer((0.0, f0, g0), (1.0, f1, g1), (0.5, 1.0)),
        0.5
    );
    let t = cubic_minimizer((0.0, 0.0, -1.0), (1.0, -10.0, -30.0), (0.0, 2.0));
    assert!((0.0..=2.0).contains(&t));
}
