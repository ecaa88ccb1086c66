//! Classic unconstrained problems (Rosenbrock, a convex quadratic, Moré–Garbow–Hillstrom):
//! L-BFGS with the strong Wolfe search converges, and needs no more evaluations than
//! scipy's L-BFGS-B on most of them (fixture: tests/fixtures/scipy_lbfgsb.json, written by
//! make_optim_fixtures.py). Everything runs in f64 on flex, as scipy does.

mod common;

use common::problems::{self, Problem};
use common::{HostObjective, f64_tensor, fixture, to_host};
use impasto_optim::{
    Lbfgs, LbfgsConfig, LineSearch, Minimizer, Outcome, RecursionScalars, Termination,
};

const GTOL: f64 = 1e-5;

fn config() -> LbfgsConfig {
    LbfgsConfig::default()
        .with_history(10)
        .and_then(|c| c.with_gradient_tolerance(GTOL))
        // Only the gradient test stops the run, as with scipy's ftol = 0.
        .and_then(|c| c.with_change_tolerance(0.0))
        .and_then(|c| c.with_max_iterations(10_000))
        .and_then(|c| c.with_max_evaluations(20_000))
        .expect("valid settings")
}

fn solve(problem: &Problem, config: LbfgsConfig) -> (Outcome<1>, HostObjective) {
    let mut objective = HostObjective::new(problem.f);
    let outcome = Lbfgs::new(config)
        .minimize(&mut objective, f64_tensor(&problem.x0), &mut ())
        .expect("the run itself cannot fail");
    objective.assert_no_repeated_point();
    (outcome, objective)
}

fn problem(name: &str) -> Problem {
    problems::all()
        .into_iter()
        .find(|p| p.name == name)
        .expect("known problem")
}

/// Both placements of the recursion's scalars take the same path.
#[test]
fn rosenbrock_from_minus_1_2_1() {
    let mut evaluations = Vec::new();
    for scalars in [RecursionScalars::Host, RecursionScalars::Device] {
        let config = config().with_recursion_scalars(scalars).unwrap();
        let (outcome, _) = solve(&problem("rosenbrock"), config);
        assert_eq!(outcome.termination, Termination::ConvergedGradient);
        let x = to_host(&outcome.x);
        assert!(
            (x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
            "x = {x:?}"
        );
        assert!(outcome.loss < 1e-10);
        evaluations.push(outcome.evaluations);
    }
    assert_eq!(evaluations[0], evaluations[1]);
}

#[test]
fn rosenbrock_in_100_dimensions() {
    let (outcome, _) = solve(&problem("extended_rosenbrock_100"), config());
    assert_eq!(outcome.termination, Termination::ConvergedGradient);
    let x = to_host(&outcome.x);
    assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-4), "x = {x:?}");
}

/// On a quadratic with exact line searches L-BFGS makes conjugate directions, so it ends
/// in at most n iterations whatever m is (Nocedal & Wright, section 7.2); steepest descent
/// would need thousands here (condition number 10⁴). A strong Wolfe search with a small c2
/// is exact: the cubic through two trials of a quadratic is the quadratic itself.
#[test]
fn convex_quadratic_in_at_most_n_iterations() {
    let n = 8;
    for m in [2, 10] {
        let exact = config()
            .with_history(m)
            .and_then(|c| c.with_line_search(LineSearch::StrongWolfe { c1: 1e-8, c2: 1e-6 }))
            .and_then(|c| c.with_gradient_tolerance(1e-6))
            .unwrap();
        let p = Problem {
            name: "ill-conditioned quadratic",
            f: problems::ill_conditioned_quadratic,
            x0: vec![0.0; n],
        };
        let (outcome, _) = solve(&p, exact);
        assert_eq!(
            outcome.termination,
            Termination::ConvergedGradient,
            "m = {m}"
        );
        assert!(
            outcome.iterations <= n,
            "m = {m}: {} iterations > n = {n}",
            outcome.iterations
        );
    }
    // The 20-dimensional one of the scipy table too.
    let (outcome, _) = solve(
        &problem("quadratic_20"),
        config()
            .with_line_search(LineSearch::StrongWolfe { c1: 1e-8, c2: 1e-6 })
            .and_then(|c| c.with_gradient_tolerance(1e-5))
            .unwrap(),
    );
    assert_eq!(outcome.termination, Termination::ConvergedGradient);
    assert!(
        outcome.iterations <= 20,
        "{} iterations",
        outcome.iterations
    );
}

/// Evaluations to max |g| ≤ 1e-5 against scipy's L-BFGS-B (history 10, ftol 0). Prints the
/// table (`cargo test -p impasto-optim --test problems -- --nocapture`). Measured: ours
/// needs more on Wood (118 against 114) and Penalty I (55 against 45), as many on five
/// problems and fewer on the other four.
#[test]
fn evaluations_against_scipy_lbfgsb() {
    let reference = fixture("scipy_lbfgsb.json");
    assert_eq!(reference["gtol"].as_f64(), Some(GTOL));
    let mut not_more = 0;
    let mut rows = Vec::new();
    let all = problems::all();
    for p in &all {
        let scipy = &reference["problems"][p.name];
        let scipy_evals = scipy["evaluations"].as_u64().expect("evaluations") as usize;
        // Same problem as the script's: f(x0) agrees.
        let f0 = (p.f)(&common::dual::Dual::variables(&p.x0)).v;
        let scipy_f0 = scipy["f0"].as_f64().unwrap();
        assert!(
            (f0 - scipy_f0).abs() <= 1e-12 * scipy_f0.abs().max(1.0),
            "{}: f0 {f0} vs {scipy_f0}",
            p.name
        );

        let (outcome, _) = solve(p, config());
        assert_eq!(
            outcome.termination,
            Termination::ConvergedGradient,
            "{}",
            p.name
        );
        let scipy_f = scipy["f"].as_f64().unwrap();
        assert!(
            (outcome.loss - scipy_f).abs() <= 1e-6 * scipy_f.abs().max(1.0),
            "{}: f = {} where scipy reaches {scipy_f}",
            p.name,
            outcome.loss
        );
        if outcome.evaluations <= scipy_evals {
            not_more += 1;
        }
        // Never far worse than scipy.
        assert!(
            outcome.evaluations <= 2 * scipy_evals,
            "{}: {} vs {scipy_evals}",
            p.name,
            outcome.evaluations
        );
        rows.push((p.name, outcome.evaluations, outcome.iterations, scipy_evals));
    }
    println!("| problem | impasto evaluations (iterations) | scipy L-BFGS-B evaluations |");
    println!("|---|---|---|");
    for (name, evals, iterations, scipy) in &rows {
        let mark = if evals > scipy { " (more)" } else { "" };
        println!("| {name} | {evals} ({iterations}){mark} | {scipy} |");
    }
    assert!(
        2 * not_more > all.len(),
        "ours needs no more evaluations on only {not_more} of {}",
        all.len()
    );
}
