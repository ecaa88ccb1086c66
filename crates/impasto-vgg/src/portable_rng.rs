//! Deterministic random numbers that any language can reproduce bit for bit.
//!
//! burn's own generators differ by backend and PyTorch's differ from both, so a network
//! initialised by either cannot be rebuilt elsewhere. This module uses only SplitMix64
//! (Steele, Lea & Flood, 2014) and Box–Muller, both a few lines of integer arithmetic, so
//! `tests/fixtures/portable_rng.py` rebuilds exactly the same numbers in NumPy. That is
//! what lets the conformance tests compare a whole random-weight VGG16 against a float64
//! PyTorch computation without committing 40 MB of weights.
//!
//! # Definition
//!
//! ```text
//! mix(z)            = z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
//!                     z *= 0x94D049BB133111EB; z ^ (z >> 31)         (wrapping u64)
//! stream(seed, tag) = mix(seed ^ (tag * 0xD1B54A32D192ED03))
//! u_j(s)            = (mix(s + (j + 1) * 0x9E3779B97F4A7C15) >> 11) * 2^-53   in [0, 1)
//! normal_{2p}(s)    = sqrt(-2 ln(1 - u_{2p})) * cos(2π u_{2p+1})
//! normal_{2p+1}(s)  = sqrt(-2 ln(1 - u_{2p})) * sin(2π u_{2p+1})
//! ```
//!
//! Values are computed in `f64` and rounded to `f32` once.

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const STREAM_MULTIPLIER: u64 = 0xD1B5_4A32_D192_ED03;

/// SplitMix64's output function: a bijective avalanche of a 64-bit state.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of an independent stream `tag` derived from `seed` (e.g. one per layer).
///
/// ```
/// use impasto_vgg::portable_rng::stream;
/// assert_ne!(stream(0, 1), stream(0, 2));
/// ```
pub fn stream(seed: u64, tag: u64) -> u64 {
    mix(seed ^ tag.wrapping_mul(STREAM_MULTIPLIER))
}

fn unit(stream_seed: u64, j: u64) -> f64 {
    let z = mix(stream_seed.wrapping_add((j + 1).wrapping_mul(GOLDEN_GAMMA)));
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `n` numbers uniform in `[lo, hi)` from stream `stream_seed`.
///
/// ```
/// use impasto_vgg::portable_rng::uniform;
/// let u = uniform(7, 4, 0.0, 1.0);
/// assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
/// assert_eq!(u, uniform(7, 4, 0.0, 1.0));
/// ```
pub fn uniform(stream_seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f32> {
    (0..n as u64)
        .map(|j| (lo + (hi - lo) * unit(stream_seed, j)) as f32)
        .collect()
}

/// `n` numbers normally distributed with mean 0 and standard deviation `std`.
///
/// ```
/// use impasto_vgg::portable_rng::normal;
/// let z = normal(3, 10_000, 2.0);
/// let var = z.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / z.len() as f64;
/// assert!((var.sqrt() - 2.0).abs() < 0.05);
/// ```
pub fn normal(stream_seed: u64, n: usize, std: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    for p in 0..n.div_ceil(2) as u64 {
        let radius = (-2.0 * (1.0 - unit(stream_seed, 2 * p)).ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * unit(stream_seed, 2 * p + 1);
        out.push((std * radius * angle.cos()) as f32);
        out.push((std * radius * angle.sin()) as f32);
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values printed by `tests/fixtures/portable_rng.py --selftest`.
    #[test]
    fn matches_the_python_reference() {
        assert_eq!(mix(0), 0);
        assert_eq!(mix(1), 0x5692_161D_100B_05E5);
        let s = stream(42, 3);
        let u = uniform(s, 3, 0.0, 1.0);
        let z = normal(s, 3, 1.0);
        println!("stream={s:#x} u={u:?} z={z:?}");
        assert_eq!(s, PY_STREAM_42_3);
        assert_eq!(u, PY_UNIFORM);
        assert_eq!(z, PY_NORMAL);
    }

    const PY_STREAM_42_3: u64 = 0x870f_c6fe_aed8_bbfd;
    const PY_UNIFORM: [f32; 3] = [0.034_999_948, 0.453_212_08, 0.184_401_26];
    const PY_NORMAL: [f32; 3] = [-0.255_483_15, 0.077_347_35, 0.408_207_8];
}
