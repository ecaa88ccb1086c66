//! k-means of the grid's vectors: k-means++ seeding from a small seeded generator, then
//! Lloyd iterations.

/// Lloyd iterations at most; they usually settle in 10–20.
const MAX_ITERATIONS: usize = 50;

/// splitmix64 (Steele, Lea & Flood 2014) as a sequential generator, with the output
/// function of the project's portable generator ([`impasto_vgg::portable_rng::mix`]): the
/// same draws on every machine, no dependency.
pub(super) struct SplitMix64(pub(super) u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        impasto_vgg::portable_rng::mix(self.0)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Squared Euclidean distance; eight accumulators so that the loop vectorises.
fn distance2(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += (x[k] - y[k]) * (x[k] - y[k]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The centre nearest to `point` and its squared distance; ties go to the lower index.
fn nearest(point: &[f32], centres: &[f32], dims: usize) -> (usize, f32) {
    let mut best = (0, f32::INFINITY);
    for (k, centre) in centres.chunks_exact(dims).enumerate() {
        let d = distance2(point, centre);
        if d < best.1 {
            best = (k, d);
        }
    }
    best
}

/// k-means of `points` (row-major, `dims` each) into `count` clusters: k-means++ seeding
/// from `seed` (Arthur & Vassilvitskii 2007), then Lloyd iterations until no label
/// changes or [`MAX_ITERATIONS`]; an empty cluster restarts at the point farthest from
/// its centre. The label of each point.
pub(super) fn kmeans(points: &[f32], dims: usize, count: usize, seed: u64) -> Vec<u32> {
    // At least one block has a positive weight, and every block has a column.
    debug_assert!(dims > 0);
    let n = points.len() / dims;
    let point = |i: usize| &points[i * dims..(i + 1) * dims];
    let mut rng = SplitMix64(seed);
    let mut centres: Vec<f32> = Vec::with_capacity(count * dims);
    let first = (rng.next_u64() % n as u64) as usize;
    centres.extend_from_slice(point(first));
    let mut closest: Vec<f64> = (0..n)
        .map(|i| distance2(point(i), point(first)) as f64)
        .collect();
    while centres.len() < count * dims {
        let total: f64 = closest.iter().sum();
        let chosen = if total > 0.0 {
            // Drawn with probability proportional to the squared distance.
            let mut target = rng.next_f64() * total;
            let last = closest.iter().rposition(|&d| d > 0.0).unwrap_or(0);
            closest
                .iter()
                .position(|&d| {
                    target -= d;
                    d > 0.0 && target < 0.0
                })
                .unwrap_or(last)
        } else {
            (rng.next_u64() % n as u64) as usize // all points already on a centre
        };
        centres.extend_from_slice(point(chosen));
        for (i, c) in closest.iter_mut().enumerate() {
            *c = c.min(distance2(point(i), point(chosen)) as f64);
        }
    }

    let mut labels = vec![u32::MAX; n];
    let mut distances = vec![0.0f32; n];
    for _ in 0..MAX_ITERATIONS {
        let mut changed = false;
        for i in 0..n {
            let (k, d) = nearest(point(i), &centres, dims);
            changed |= labels[i] != k as u32;
            labels[i] = k as u32;
            distances[i] = d;
        }
        if !changed {
            break;
        }
        let mut sums = vec![0.0f64; count * dims];
        let mut sizes = vec![0usize; count];
        for i in 0..n {
            let k = labels[i] as usize;
            sizes[k] += 1;
            for (s, &v) in sums[k * dims..(k + 1) * dims].iter_mut().zip(point(i)) {
                *s += v as f64;
            }
        }
        for k in 0..count {
            let centre = &mut centres[k * dims..(k + 1) * dims];
            if sizes[k] > 0 {
                for (c, s) in centre.iter_mut().zip(&sums[k * dims..(k + 1) * dims]) {
                    *c = (s / sizes[k] as f64) as f32;
                }
            } else {
                // The farthest point, each used once, so that two empty clusters differ.
                let far = (0..n).max_by(|&a, &b| distances[a].total_cmp(&distances[b]));
                let far = far.expect("at least one point");
                distances[far] = f32::NEG_INFINITY;
                centre.copy_from_slice(point(far));
            }
        }
    }
    labels
}
