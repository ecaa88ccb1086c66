//! The test problems of tests/fixtures/make_optim_fixtures.py, the same formulas on dual
//! numbers (Moré, Garbow & Hillstrom, ACM TOMS 7, 1981, for the MGH numbers).

use std::f64::consts::PI;

use super::dual::Dual;

/// A problem: f on duals, and its standard starting point.
pub struct Problem {
    pub name: &'static str,
    pub f: fn(&[Dual]) -> Dual,
    pub x0: Vec<f64>,
}

fn sum(terms: impl IntoIterator<Item = Dual>, n: usize) -> Dual {
    terms
        .into_iter()
        .fold(Dual::constant(0.0, n), |acc, t| acc + t)
}

/// MGH 1 (n = 2) and MGH 21 (extended Rosenbrock, n even).
pub fn rosenbrock(x: &[Dual]) -> Dual {
    let n = x.len();
    sum(
        x.chunks(2).map(|p| {
            let (a, b) = (p[0].clone(), p[1].clone());
            100.0 * (b - a.sq()).sq() + (1.0 - a).sq()
        }),
        n,
    )
}

/// MGH 2.
pub fn freudenstein_roth(x: &[Dual]) -> Dual {
    let (a, b) = (x[0].clone(), x[1].clone());
    let r1 = a.clone() - 13.0 + ((5.0 - b.clone()) * b.clone() - 2.0) * b.clone();
    let r2 = a - 29.0 + ((b.clone() + 1.0) * b.clone() - 14.0) * b;
    r1.sq() + r2.sq()
}

/// MGH 5.
pub fn beale(x: &[Dual]) -> Dual {
    let (a, b) = (x[0].clone(), x[1].clone());
    sum(
        [1.5, 2.25, 2.625]
            .iter()
            .enumerate()
            .map(|(i, &y)| (y - a.clone() * (1.0 - b.powi(i as i32 + 1))).sq()),
        2,
    )
}

/// MGH 7: θ = atan(x₂/x₁)/2π, plus ½ where x₁ < 0.
pub fn helical_valley(x: &[Dual]) -> Dual {
    let mut theta = (x[1].clone() / x[0].clone()).atan() * (1.0 / (2.0 * PI));
    if x[0].v < 0.0 {
        theta = theta + 0.5;
    }
    let r1 = 10.0 * (x[2].clone() - 10.0 * theta);
    let r2 = 10.0 * ((x[0].sq() + x[1].sq()).sqrt() - 1.0);
    r1.sq() + r2.sq() + x[2].sq()
}

/// MGH 12, m = 10.
pub fn box_3d(x: &[Dual]) -> Dual {
    sum(
        (1..=10).map(|i| {
            let t = 0.1 * i as f64;
            let c = (-t).exp() - (-10.0 * t).exp();
            ((-t * x[0].clone()).exp() - (-t * x[1].clone()).exp() - c * x[2].clone()).sq()
        }),
        3,
    )
}

/// MGH 13.
pub fn powell_singular(x: &[Dual]) -> Dual {
    let r1 = x[0].clone() + 10.0 * x[1].clone();
    let r2 = 5f64.sqrt() * (x[2].clone() - x[3].clone());
    let r3 = (x[1].clone() - 2.0 * x[2].clone()).sq();
    let r4 = 10f64.sqrt() * (x[0].clone() - x[3].clone()).sq();
    r1.sq() + r2.sq() + r3.sq() + r4.sq()
}

/// MGH 14.
pub fn wood(x: &[Dual]) -> Dual {
    let r = [
        10.0 * (x[1].clone() - x[0].sq()),
        1.0 - x[0].clone(),
        90f64.sqrt() * (x[3].clone() - x[2].sq()),
        1.0 - x[2].clone(),
        10f64.sqrt() * (x[1].clone() + x[3].clone() - 2.0),
        (x[1].clone() - x[3].clone()) * (1.0 / 10f64.sqrt()),
    ];
    sum(r.into_iter().map(|ri| ri.sq()), 4)
}

/// MGH 26.
pub fn trigonometric(x: &[Dual]) -> Dual {
    let n = x.len();
    let cos_sum = sum(x.iter().map(Dual::cos), n);
    sum(
        x.iter().enumerate().map(|(i, xi)| {
            let r = n as f64 - cos_sum.clone() + (i as f64 + 1.0) * (1.0 - xi.cos()) - xi.sin();
            r.sq()
        }),
        n,
    )
}

/// MGH 23.
pub fn penalty_1(x: &[Dual]) -> Dual {
    let n = x.len();
    let small = sum(x.iter().map(|xi| 1e-5 * (xi.clone() - 1.0).sq()), n);
    let squares = sum(x.iter().map(Dual::sq), n);
    small + (squares - 0.25).sq()
}

/// ½ xᵀAx − 1ᵀx with A = diag(1..n) + 0.4 on the off-diagonals next to it.
pub fn quadratic(x: &[Dual]) -> Dual {
    let n = x.len();
    let diagonal = sum(
        x.iter()
            .enumerate()
            .map(|(i, xi)| 0.5 * (i as f64 + 1.0) * xi.sq()),
        n,
    );
    // ½ · 2 · 0.4 · xᵢ xᵢ₊₁ for each off-diagonal pair.
    let coupling = sum(x.windows(2).map(|w| 0.4 * (w[0].clone() * w[1].clone())), n);
    diagonal + coupling - sum(x.iter().cloned(), n)
}

/// Every problem of the scipy fixture, by its fixture name.
pub fn all() -> Vec<Problem> {
    let repeat = |pattern: &[f64], times: usize| pattern.repeat(times);
    vec![
        Problem {
            name: "rosenbrock",
            f: rosenbrock,
            x0: vec![-1.2, 1.0],
        },
        Problem {
            name: "extended_rosenbrock_100",
            f: rosenbrock,
            x0: repeat(&[-1.2, 1.0], 50),
        },
        Problem {
            name: "quadratic_20",
            f: quadratic,
            x0: vec![0.0; 20],
        },
        Problem {
            name: "freudenstein_roth",
            f: freudenstein_roth,
            x0: vec![0.5, -2.0],
        },
        Problem {
            name: "beale",
            f: beale,
            x0: vec![1.0, 1.0],
        },
        Problem {
            name: "helical_valley",
            f: helical_valley,
            x0: vec![-1.0, 0.0, 0.0],
        },
        Problem {
            name: "box_3d",
            f: box_3d,
            x0: vec![0.0, 10.0, 20.0],
        },
        Problem {
            name: "powell_singular",
            f: powell_singular,
            x0: vec![3.0, -1.0, 0.0, 1.0],
        },
        Problem {
            name: "wood",
            f: wood,
            x0: vec![-3.0, -1.0, -3.0, -1.0],
        },
        Problem {
            name: "trigonometric_10",
            f: trigonometric,
            x0: vec![0.1; 10],
        },
        Problem {
            name: "penalty_1_10",
            f: penalty_1,
            x0: (1..=10).map(f64::from).collect(),
        },
    ]
}

/// ½ Σ λᵢ xᵢ² − Σ xᵢ with λ spread log-evenly over [1, 10⁴]: steepest descent would need
/// thousands of iterations, conjugate directions at most n.
pub fn ill_conditioned_quadratic(x: &[Dual]) -> Dual {
    let n = x.len();
    sum(
        x.iter().enumerate().map(|(i, xi)| {
            let lambda = 10f64.powf(2.0 * i as f64 / (n as f64 - 1.0).max(1.0));
            0.5 * lambda * xi.sq() - xi.clone()
        }),
        n,
    )
}
