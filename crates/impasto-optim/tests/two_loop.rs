//! The two-loop recursion equals H_k g_k of the dense BFGS update
//! H_{k+1} = (I − ρ s yᵀ) H_k (I − ρ y sᵀ) + ρ s sᵀ from H⁰ = γ I, on small random problems.

mod common;

use burn::tensor::{DType, Device, Tensor, TensorData};
use common::{f64_tensor, to_host};
use impasto_optim::{History, two_loop_direction, two_loop_direction_on_device};

/// A small deterministic generator (xorshift64*), uniform in [−1, 1).
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }
    fn vector(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next()).collect()
    }
}

type Matrix = Vec<Vec<f64>>;

fn mat_vec(a: &Matrix, v: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(v).map(|(x, y)| x * y).sum())
        .collect()
}

fn dot(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, written out densely.
fn bfgs_update(h: &Matrix, s: &[f64], y: &[f64]) -> Matrix {
    let n = s.len();
    let rho = 1.0 / dot(y, s);
    let left: Matrix = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| f64::from(u8::from(i == j)) - rho * s[i] * y[j])
                .collect()
        })
        .collect();
    let product = |a: &Matrix, b: &Matrix| -> Matrix {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                    .collect()
            })
            .collect()
    };
    let right: Matrix = (0..n)
        .map(|i| (0..n).map(|j| left[j][i]).collect())
        .collect();
    let mut out = product(&product(&left, h), &right);
    for i in 0..n {
        for j in 0..n {
            out[i][j] += rho * s[i] * s[j];
        }
    }
    out
}

/// A random SPD matrix MᵀM + I, so y = A s always has yᵀs > 0.
fn spd(random: &mut Random, n: usize) -> Matrix {
    let m: Matrix = (0..n).map(|_| random.vector(n)).collect();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    (0..n).map(|k| m[k][i] * m[k][j]).sum::<f64>() + f64::from(u8::from(i == j))
                })
                .collect()
        })
        .collect()
}

/// H_k g by the dense update over the given pairs (oldest first), H⁰ = γ I with γ from
/// the newest pair.
fn dense_direction(pairs: &[(Vec<f64>, Vec<f64>)], g: &[f64]) -> Vec<f64> {
    let n = g.len();
    let gamma = pairs.last().map_or(1.0, |(s, y)| dot(s, y) / dot(y, y));
    let mut h: Matrix = (0..n)
        .map(|i| (0..n).map(|j| if i == j { gamma } else { 0.0 }).collect())
        .collect();
    for (s, y) in pairs {
        h = bfgs_update(&h, s, y);
    }
    mat_vec(&h, g)
}

/// H g by both variants of the recursion (scalars on the host, on the device).
fn both<const D: usize>(g: &Tensor<D>, history: &History<D>) -> [Vec<f64>; 2] {
    [
        to_host(&two_loop_direction(g, history).unwrap()),
        to_host(&two_loop_direction_on_device(g, history)),
    ]
}

fn assert_close(ours: &[f64], dense: &[f64], what: &str) {
    let scale = dense.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    for (a, b) in ours.iter().zip(dense) {
        assert!(
            (a - b).abs() <= 1e-10 * scale,
            "{what}: {ours:?} vs dense {dense:?}"
        );
    }
}

#[test]
fn two_loop_equals_dense_bfgs_on_random_problems() {
    let mut random = Random(0x1234_5678_9abc_def1);
    for trial in 0..20 {
        let n = 3 + trial % 6;
        let m = 1 + trial % 5;
        let a = spd(&mut random, n);
        let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..m)
            .map(|_| {
                let s = random.vector(n);
                let y = mat_vec(&a, &s);
                (s, y)
            })
            .collect();
        let mut history = History::new(m);
        for (s, y) in &pairs {
            assert!(history.push(f64_tensor(s), f64_tensor(y)).unwrap());
        }
        let g = random.vector(n);
        let dense = dense_direction(&pairs, &g);
        for ours in both(&f64_tensor(&g), &history) {
            assert_close(&ours, &dense, &format!("trial {trial}, n {n}, m {m}"));
        }
    }
}

#[test]
fn oldest_pair_is_dropped_past_the_capacity() {
    let mut random = Random(42);
    let (n, m) = (5, 3);
    let a = spd(&mut random, n);
    let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..m + 2)
        .map(|_| {
            let s = random.vector(n);
            (s.clone(), mat_vec(&a, &s))
        })
        .collect();
    let mut history = History::new(m);
    for (s, y) in &pairs {
        history.push(f64_tensor(s), f64_tensor(y)).unwrap();
    }
    assert_eq!(history.len(), m);
    let g = random.vector(n);
    for ours in both(&f64_tensor(&g), &history) {
        assert_close(&ours, &dense_direction(&pairs[2..], &g), "last m pairs");
    }
}

#[test]
fn pairs_without_curvature_are_not_stored() {
    let mut history = History::new(4);
    let s = f64_tensor(&[1.0, 0.0]);
    assert!(
        !history.push(s.clone(), f64_tensor(&[-1.0, 0.0])).unwrap(),
        "yᵀs < 0"
    );
    assert!(
        !history.push(s.clone(), f64_tensor(&[1e-11, 5.0])).unwrap(),
        "yᵀs ≤ 1e-10"
    );
    assert!(
        !history
            .push(s.clone(), f64_tensor(&[f64::NAN, 0.0]))
            .unwrap(),
        "NaN"
    );
    assert!(history.is_empty());
    assert_eq!(history.gamma(), 1.0);
    // With no pair the recursion is the identity: d = −g.
    let g = f64_tensor(&[3.0, -4.0]);
    assert_eq!(both(&g, &history), [vec![3.0, -4.0], vec![3.0, -4.0]]);
}

/// The recursion works on any rank; an image-shaped `[1, 3, H, W]` vector gives the same
/// numbers as its flattened copy.
#[test]
fn two_loop_on_image_shaped_tensors() {
    let mut random = Random(7);
    let shape = [1, 3, 4, 5];
    let n = 60;
    let image = |v: &[f64]| {
        Tensor::<4>::from_data(
            TensorData::new(v.to_vec(), shape),
            (&Device::flex(), DType::F64),
        )
    };
    let mut flat = History::new(3);
    let mut shaped = History::new(3);
    for _ in 0..3 {
        let s = random.vector(n);
        let y: Vec<f64> = s.iter().map(|v| v * 2.0 + 0.1 * random.next()).collect();
        flat.push(f64_tensor(&s), f64_tensor(&y)).unwrap();
        shaped.push(image(&s), image(&y)).unwrap();
    }
    let g = random.vector(n);
    let [a, _] = both(&f64_tensor(&g), &flat);
    for b in both(&image(&g), &shaped) {
        assert_close(&b, &a, "[1, 3, 4, 5] vs [60]");
    }
}
