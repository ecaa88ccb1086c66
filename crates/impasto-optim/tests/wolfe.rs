//! Every step L-BFGS accepts with the strong Wolfe search meets both conditions, and every
//! Armijo step sufficient decrease, checked from outside: the objective records each
//! evaluated point, and the observer tells which evaluation each iterate was.

mod common;

use std::cell::RefCell;
use std::convert::Infallible;

use burn::tensor::Tensor;
use common::dual::Dual;
use common::problems::{self, Problem};
use common::{HostObjective, f64_tensor};
use impasto_optim::{
    Control, Evaluation, IterationRecord, Lbfgs, LbfgsConfig, LineSearch, Minimizer, Objective,
};

/// An evaluated point: x, f(x), ∇f(x).
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// Every evaluation, in order, and the evaluation count at each record.
fn trajectory(problem: &Problem, line_search: LineSearch) -> (Vec<Evaluated>, Vec<usize>) {
    let points = RefCell::new(Vec::new());
    let mut inner = HostObjective::new(problem.f);
    let mut objective = |x: &Tensor<1>| -> Result<Evaluation<1>, Infallible> {
        let e = inner.evaluate(x)?;
        let host = inner.evaluated.last().unwrap().clone();
        let value = (problem.f)(&Dual::variables(&host));
        points.borrow_mut().push((host, value.v, value.d));
        Ok(e)
    };
    let mut marks = Vec::new();
    let mut observer = |r: &IterationRecord| {
        marks.push(r.evaluations);
        Control::Continue
    };
    let config = LbfgsConfig::default()
        .with_line_search(line_search)
        .and_then(|c| c.with_gradient_tolerance(1e-5))
        .and_then(|c| c.with_max_iterations(200))
        .unwrap();
    Lbfgs::new(config)
        .minimize(&mut objective, f64_tensor(&problem.x0), &mut observer)
        .unwrap();
    (points.into_inner(), marks)
}

fn dot(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

#[test]
fn strong_wolfe_conditions_hold_on_every_accepted_step() {
    for (c1, c2) in [(1e-4, 0.9), (1e-4, 0.1), (0.1, 0.5)] {
        for problem in problems::all() {
            let (points, marks) = trajectory(&problem, LineSearch::StrongWolfe { c1, c2 });
            assert!(
                marks.len() > 2,
                "{}: a few iterations at least",
                problem.name
            );
            for k in 1..marks.len() {
                // Iterate k is evaluation number marks[k] (1-based).
                let (x0, f0, g0) = &points[marks[k - 1] - 1];
                let (x1, f1, g1) = &points[marks[k] - 1];
                // s = t·d: both conditions are invariant to how s splits into t and d.
                let s: Vec<f64> = x1.iter().zip(x0).map(|(a, b)| a - b).collect();
                let (slope0, slope1) = (dot(g0, &s), dot(g1, &s));
                let what = format!("{} (c1 {c1}, c2 {c2}), iteration {k}", problem.name);
                assert!(slope0 < 0.0, "{what}: not a descent step");
                assert!(*f1 <= f0 + c1 * slope0, "{what}: sufficient decrease");
                assert!(slope1.abs() <= c2 * slope0.abs(), "{what}: curvature");
            }
        }
    }
}

#[test]
fn armijo_steps_decrease_enough() {
    for problem in problems::all() {
        let (points, marks) = trajectory(&problem, LineSearch::Armijo { c1: 1e-4 });
        for k in 1..marks.len() {
            let (x0, f0, g0) = &points[marks[k - 1] - 1];
            let (x1, f1, _) = &points[marks[k] - 1];
            let s: Vec<f64> = x1.iter().zip(x0).map(|(a, b)| a - b).collect();
            assert!(
                *f1 <= f0 + 1e-4 * dot(g0, &s),
                "{}, iteration {k}",
                problem.name
            );
        }
    }
}
