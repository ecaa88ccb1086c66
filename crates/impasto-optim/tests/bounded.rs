//! Minimisation under bounds against scipy's L-BFGS-B, on problems whose bounds are active
//! at the solution (fixture: tests/fixtures/scipy_lbfgsb_bounded.json, written by
//! make_bounded_fixtures.py with numpy and scipy only).
//!
//! First the fixture itself: the fixture and the Rust formulas describe the same problems
//! (f at x0 and at scipy's x*), and x* satisfies the bounded first-order conditions for
//! the Rust gradient (each variable strictly inside its box has a zero gradient; one at a
//! bound has a gradient that pushes outward). Then [`Lbfgs`] within the same bounds: the
//! same solution to 1e-6 in at most 1.5× scipy's evaluations, and a variable pinned at a
//! bound let go once its gradient turns inward.

mod common;

use common::dual::Dual;
use common::fixture;
use common::problems;

/// A problem's f on duals, as tests/common/problems.rs writes them.
type Formula = fn(&[Dual]) -> Dual;

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn value_and_gradient(f: Formula, x: &[f64]) -> (f64, Vec<f64>) {
    let y = f(&Dual::variables(x));
    (y.v, y.d)
}

/// `max |P(x − g) − x|`, the projected gradient's largest component.
fn projected_gradient(x: &[f64], g: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    x.iter()
        .zip(g)
        .zip(lower.iter().zip(upper))
        .map(|((&x, &g), (&l, &u))| ((x - g).clamp(l, u) - x).abs())
        .fold(0.0, f64::max)
}

#[test]
fn the_fixture_and_the_rust_problems_are_the_same_and_scipy_solved_them() {
    let reference = fixture("scipy_lbfgsb_bounded.json");
    let problems = reference["problems"].as_object().expect("problems");
    let formulas: [(&str, Formula); 4] = [
        ("quadratic_20", problems::quadratic),
        ("rosenbrock", problems::rosenbrock),
        ("wood", problems::wood),
        ("beale", problems::beale),
    ];
    for (name, f) in formulas {
        let p = &problems[name];
        let (x0, x) = (numbers(&p["x0"]), numbers(&p["x"]));
        let (lower, upper) = (numbers(&p["lower"]), numbers(&p["upper"]));
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        let (f0, _) = value_and_gradient(f, &x0);
        assert!(close(f0, p["f0"].as_f64().unwrap()), "{name}: f(x0) {f0}");
        let (fx, g) = value_and_gradient(f, &x);
        assert!(close(fx, p["f"].as_f64().unwrap()), "{name}: f(x*) {fx}");
        let pg = projected_gradient(&x, &g, &lower, &upper);
        assert!(pg <= 1e-6, "{name}: max |P g| at scipy's x* is {pg}");
        // The bounds are active: the problem is a test of the bounds, not of L-BFGS.
        let active =
            p["at_lower"].as_array().unwrap().len() + p["at_upper"].as_array().unwrap().len();
        assert!(active > 0, "{name}: no bound is active at the solution");
        for (i, (&xi, &gi)) in x.iter().zip(&g).enumerate() {
            if xi <= lower[i] {
                assert!(
                    gi >= -1e-6,
                    "{name}: x{i} at its lower bound, gradient {gi} pulls it in"
                );
            } else if xi >= upper[i] {
                assert!(
                    gi <= 1e-6,
                    "{name}: x{i} at its upper bound, gradient {gi} pulls it in"
                );
            }
        }
    }
}

#[test]
fn the_separable_problem_is_solved_by_the_projection_of_its_minimiser() {
    let reference = fixture("scipy_lbfgsb_bounded.json");
    let p = &reference["problems"]["separable_10000"];
    let n = p["n"].as_u64().unwrap() as usize;
    // f = Σ (x_i − c_i)²/2 + (x_i − c_i)⁴/4, c_i = 2 sin(i + 1), in [−1, 1]ⁿ: separable and
    // convex, so the solution is clip(c, −1, 1).
    let c: Vec<f64> = (0..n).map(|i| 2.0 * ((i + 1) as f64).sin()).collect();
    let f = |x: &[f64]| -> f64 {
        x.iter()
            .zip(&c)
            .map(|(x, c)| {
                let d = x - c;
                0.5 * d * d + 0.25 * d.powi(4)
            })
            .sum()
    };
    let exact: Vec<f64> = c.iter().map(|c| c.clamp(-1.0, 1.0)).collect();
    let f_exact = f(&exact);
    let f_scipy = p["f"].as_f64().unwrap();
    assert!(
        (f_scipy - f_exact).abs() <= 1e-9 * f_exact,
        "{f_scipy} vs {f_exact}"
    );
    assert!((f(&vec![0.0; n]) - p["f0"].as_f64().unwrap()).abs() <= 1e-9 * f_exact);
    assert!(p["max_abs_error_to_exact"].as_f64().unwrap() <= 1e-6);
    // About two thirds of the variables end at a bound.
    let at_lower = c.iter().filter(|&&c| c <= -1.0).count();
    let at_upper = c.iter().filter(|&&c| c >= 1.0).count();
    assert_eq!(p["at_lower_count"].as_u64().unwrap() as usize, at_lower);
    assert_eq!(p["at_upper_count"].as_u64().unwrap() as usize, at_upper);
}

// ---------------------------------------------------------------------------------------
// L-BFGS within bounds against scipy's L-BFGS-B: the same solution to 1e-6, and at most
// 1.5× scipy's objective evaluations, on each problem.

use impasto_optim::{Bounds, Lbfgs, LbfgsConfig, Minimizer, Outcome, Termination};

use std::convert::Infallible;

use burn::tensor::Tensor;
use common::{HostObjective, f64_tensor, to_host};
use impasto_optim::Evaluation;

/// scipy's settings: history 10, converged when max |P g| ≤ 1e-7, no change test.
fn scipy_like() -> LbfgsConfig {
    LbfgsConfig::default()
        .with_history(10)
        .and_then(|c| c.with_gradient_tolerance(1e-7))
        .and_then(|c| c.with_change_tolerance(0.0))
        .and_then(|c| c.with_max_iterations(1000))
        .and_then(|c| c.with_max_evaluations(2000))
        .expect("valid settings")
}

fn bounded_run(f: Formula, x0: &[f64], lower: &[f64], upper: &[f64]) -> Outcome<1> {
    let bounds = Bounds::per_element(f64_tensor(lower), f64_tensor(upper)).expect("l ≤ u");
    let mut objective = HostObjective::new(f);
    let outcome = Lbfgs::new(scipy_like())
        .minimize_within(&mut objective, f64_tensor(x0), &bounds, &mut ())
        .expect("the run itself cannot fail");
    objective.assert_no_repeated_point();
    outcome
}

#[test]
fn bounded_lbfgs_finds_scipys_solutions_within_one_and_a_half_times_its_evaluations() {
    let reference = fixture("scipy_lbfgsb_bounded.json");
    let problems = &reference["problems"];
    let formulas: [(&str, Formula); 4] = [
        ("quadratic_20", problems::quadratic),
        ("rosenbrock", problems::rosenbrock),
        ("wood", problems::wood),
        ("beale", problems::beale),
    ];
    let mut table = Vec::new();
    for (name, f) in formulas {
        let p = &problems[name];
        let (lower, upper) = (numbers(&p["lower"]), numbers(&p["upper"]));
        let outcome = bounded_run(f, &numbers(&p["x0"]), &lower, &upper);
        let x = to_host(&outcome.x);
        let expected = numbers(&p["x"]);
        let error = x
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let scipy_evaluations = p["evaluations"].as_u64().unwrap() as usize;
        table.push(format!(
            "{name}: {} evaluations (scipy {scipy_evaluations}), max |x − x*| {error:.1e}, {}",
            outcome.evaluations, outcome.termination
        ));
        assert_eq!(
            outcome.termination,
            Termination::ConvergedGradient,
            "{table:?}"
        );
        assert!(error <= 1e-6, "{table:?}");
        assert!(
            x.iter()
                .zip(lower.iter().zip(&upper))
                .all(|(x, (l, u))| l <= x && x <= u),
            "{name}: a point outside the box"
        );
        assert!(
            outcome.evaluations as f64 <= 1.5 * scipy_evaluations as f64,
            "{table:?}"
        );
    }
    println!("{}", table.join("\n"));
}

#[test]
fn bounded_lbfgs_solves_the_10000_variable_separable_problem_like_scipy() {
    let reference = fixture("scipy_lbfgsb_bounded.json");
    let p = &reference["problems"]["separable_10000"];
    let n = p["n"].as_u64().unwrap() as usize;
    let c: Vec<f64> = (0..n).map(|i| 2.0 * ((i + 1) as f64).sin()).collect();
    let centre = f64_tensor(&c);
    // f = Σ (x − c)²/2 + (x − c)⁴/4, ∇f = (x − c) + (x − c)³, on the device.
    let mut f = |x: &Tensor<1>| {
        let d = x.clone() - centre.clone();
        let loss = (d.clone().powi_scalar(2) * 0.5 + d.clone().powi_scalar(4) * 0.25).sum();
        Ok::<_, Infallible>(Evaluation::new(loss, d.clone() + d.powi_scalar(3)))
    };
    let bounds = Bounds::uniform(-1.0, 1.0).unwrap();
    let outcome = Lbfgs::new(scipy_like())
        .minimize_within(&mut f, f64_tensor(&vec![0.0; n]), &bounds, &mut ())
        .unwrap();
    let x = to_host(&outcome.x);
    let error = x
        .iter()
        .zip(&c)
        .map(|(x, c)| (x - c.clamp(-1.0, 1.0)).abs())
        .fold(0.0, f64::max);
    let scipy_evaluations = p["evaluations"].as_u64().unwrap() as usize;
    println!(
        "separable_10000: {} evaluations (scipy {scipy_evaluations}), max |x − x*| {error:.1e}",
        outcome.evaluations
    );
    assert_eq!(outcome.termination, Termination::ConvergedGradient);
    assert!(error <= 1e-6, "max |x − clip(c)| = {error}");
    assert!(outcome.evaluations as f64 <= 1.5 * scipy_evaluations as f64);
}

/// f(a, b) = (a + 1)² + (b − a)² with b ≤ 0.5, from (3, 0.5): at first ∂f/∂b = 2(b − a) < 0
/// pushes b against its bound, so b is held while a falls; once a < b the gradient turns
/// inward and b must be let go, to the interior solution (−1, −1).
fn pinned_then_released(x: &[Dual]) -> Dual {
    (x[0].clone() + 1.0).sq() + (x[1].clone() - x[0].clone()).sq()
}

#[test]
fn a_variable_held_at_its_bound_is_released_when_its_gradient_turns_inward() {
    let bounds = Bounds::per_element(
        f64_tensor(&[f64::NEG_INFINITY, f64::NEG_INFINITY]),
        f64_tensor(&[f64::INFINITY, 0.5]),
    )
    .unwrap();
    let mut objective = HostObjective::new(pinned_then_released);
    let outcome = Lbfgs::new(scipy_like())
        .minimize_within(&mut objective, f64_tensor(&[3.0, 0.5]), &bounds, &mut ())
        .unwrap();
    objective.assert_no_repeated_point();
    // Held: a point where a has moved but b is still exactly at its bound.
    assert!(
        objective.evaluated[1..]
            .iter()
            .any(|p| p[1] == 0.5 && p[0] != 3.0),
        "b was never held at 0.5: {:?}",
        objective.evaluated
    );
    assert!(objective.evaluated.iter().all(|p| p[1] <= 0.5));
    let x = to_host(&outcome.x);
    assert_eq!(outcome.termination, Termination::ConvergedGradient);
    assert!(
        (x[0] + 1.0).abs() <= 1e-6 && (x[1] + 1.0).abs() <= 1e-6,
        "released to {x:?}"
    );
}

#[test]
fn bounds_out_of_order_or_of_another_shape_are_refused() {
    assert!(Bounds::<1>::uniform(1.0, 0.0).is_err());
    assert!(Bounds::<1>::uniform(f64::NAN, 1.0).is_err());
    assert!(Bounds::<1>::uniform(f64::INFINITY, f64::INFINITY).is_err());
    assert!(Bounds::per_element(f64_tensor(&[0.0, 2.0]), f64_tensor(&[1.0, 1.0])).is_err());
    assert!(Bounds::per_element(f64_tensor(&[0.0]), f64_tensor(&[1.0, 1.0])).is_err());
    let bounds = Bounds::per_element(f64_tensor(&[0.0; 3]), f64_tensor(&[1.0; 3])).unwrap();
    let mut objective = HostObjective::new(pinned_then_released);
    let refused = Lbfgs::new(scipy_like()).minimize_within(
        &mut objective,
        f64_tensor(&[3.0, 0.5]),
        &bounds,
        &mut (),
    );
    assert!(refused.is_err(), "bounds of 3 elements for a point of 2");
    assert!(objective.evaluated.is_empty(), "nothing is evaluated");
}
