//! The reference for minimisation under bounds (issue 33): scipy's L-BFGS-B on problems
//! whose bounds are active at the solution (fixture: tests/fixtures/scipy_lbfgsb_bounded.json,
//! written by make_bounded_fixtures.py with numpy and scipy only). Before any bounded
//! optimizer is held to it, this checks that the fixture and the Rust formulas describe
//! the same problems: f at x0 and at scipy's x*, and that x* satisfies the bounded
//! first-order conditions for the Rust gradient (each variable strictly inside its box has
//! a zero gradient; one at a bound has a gradient that pushes outward).

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
