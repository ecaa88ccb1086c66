//! Element-wise maps over rows of tiles, in blocks the compiler vectorises.

/// `outputs[o][k] = f(inputs[·][k])[o]` for every `k < outputs[0].len()` (the inputs at
/// least as long): in blocks of [`LANES`] tiles held in fixed-size arrays, so the compiler
/// turns each block into vector instructions; the rest one tile at a time.
#[inline(always)]
pub(super) fn map_lanes<const I: usize, const O: usize>(
    inputs: [&[f32]; I],
    mut outputs: [&mut [f32]; O],
    f: impl Fn([f32; I]) -> [f32; O],
) {
    let n = outputs[0].len();
    assert!(inputs.iter().all(|input| input.len() >= n));
    assert!(outputs.iter().all(|output| output.len() == n));
    let blocks = n / LANES * LANES;
    for start in (0..blocks).step_by(LANES) {
        let x: [[f32; LANES]; I] = std::array::from_fn(|i| {
            inputs[i][start..start + LANES]
                .try_into()
                .expect("LANES long")
        });
        let mut y = [[0.0f32; LANES]; O];
        for lane in 0..LANES {
            let t = f(std::array::from_fn(|i| x[i][lane]));
            for (y, t) in y.iter_mut().zip(t) {
                y[lane] = t;
            }
        }
        for (output, y) in outputs.iter_mut().zip(&y) {
            output[start..start + LANES].copy_from_slice(y);
        }
    }
    for k in blocks..n {
        let t = f(std::array::from_fn(|i| inputs[i][k]));
        for (output, t) in outputs.iter_mut().zip(t) {
            output[k] = t;
        }
    }
}

/// Tiles per block of [`map_lanes`]: one SSE register (the crate is built for baseline
/// x86-64). 8 and 16 measured no faster (more registers than SSE has).
const LANES: usize = 4;
