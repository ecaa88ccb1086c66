//! VGG's 2×2, stride 2 max-pool on `f32` slices, forward and input gradient.
//!
//! burn-flex pools through its generic N-d loop and keeps an index tensor for the backward,
//! which scatters through it into a zeroed buffer: 7 % of an evaluation at 224 px in `perf`
//! (the scalar scatter-add alone), 14 % at 512 px. Here the forward streams two input rows
//! per output row, and the backward finds each window's maximum again from the input
//! (kept by autodiff anyway, for the ReLU before it) and writes every input element once.

use rayon::prelude::*;

use crate::memory::zeros;

/// The larger of `a` and `b`, NaN if either is (PyTorch's pooling propagates NaN).
#[inline(always)]
fn nan_max(a: f32, b: f32) -> f32 {
    // `|`, not `||`: a select without a branch (a mispredicted branch per element made
    // the first version's forward a visible share of an evaluation).
    if (b > a) | b.is_nan() { b } else { a }
}

/// The maximum of a 2×2 window `[top-left, top-right, bottom-left, bottom-right]`.
#[inline(always)]
fn max4([a, b, c, d]: [f32; 4]) -> f32 {
    nan_max(nan_max(a, b), nan_max(c, d))
}

/// Which element of the window gets the gradient: the first (in the order above) equal to
/// the maximum, or the first NaN. That is PyTorch's and burn's rule, so ties go to the
/// same element; as a mask so the four writes need no branch on an index.
#[inline(always)]
fn first_maximum(window: [f32; 4]) -> [bool; 4] {
    let maximum = max4(window);
    // `|` and `&`, not `||` and `&&`: selects without branches, so blocks of windows
    // vectorise.
    let is_max = window.map(|v| (v == maximum) | (v.is_nan() & maximum.is_nan()));
    [
        is_max[0],
        is_max[1] & !is_max[0],
        is_max[2] & !(is_max[0] | is_max[1]),
        is_max[3] & !(is_max[0] | is_max[1] | is_max[2]),
    ]
}

/// `out[p, y, x] = max of input[p, 2y..2y+2, 2x..2x+2]` for each of `planes` planes
/// (batch × channels); a last odd row or column is dropped, as burn and PyTorch do.
///
/// # Shapes
/// - input: `[planes, height, width]`, contiguous
/// - output: `[planes, height / 2, width / 2]`
pub(crate) fn max_pool2x2(input: &[f32], planes: usize, height: usize, width: usize) -> Vec<f32> {
    assert_eq!(input.len(), planes * height * width);
    let (out_h, out_w) = (height / 2, width / 2);
    let mut output = zeros(planes * out_h * out_w);
    if output.is_empty() {
        return output;
    }
    output
        .par_chunks_mut(out_h * out_w)
        .zip(input.par_chunks(height * width))
        .for_each(|(out_plane, plane)| {
            // Vertical maxima first (contiguous, vectorised), then horizontal pairs.
            let mut vertical = vec![0.0f32; 2 * out_w];
            for (out_row, rows) in out_plane
                .chunks_exact_mut(out_w)
                .zip(plane.chunks_exact(2 * width))
            {
                let (top, bottom) = rows.split_at(width);
                for ((v, &t), &b) in vertical.iter_mut().zip(top).zip(bottom) {
                    *v = nan_max(t, b);
                }
                for (value, pair) in out_row.iter_mut().zip(vertical.chunks_exact(2)) {
                    *value = nan_max(pair[0], pair[1]);
                }
            }
        });
    output
}

/// The input gradient of [`max_pool2x2`]: each output's gradient goes to its window's
/// maximum (chosen as the forward chose it), zero elsewhere and in a dropped odd row or
/// column. Every row pair is written in order, no scatter.
///
/// # Shapes
/// - input: `[planes, height, width]`, the forward's input
/// - output_gradient: `[planes, height / 2, width / 2]`
/// - output: `[planes, height, width]`
pub(crate) fn max_pool2x2_backward(
    input: &[f32],
    output_gradient: &[f32],
    planes: usize,
    height: usize,
    width: usize,
) -> Vec<f32> {
    let (out_h, out_w) = (height / 2, width / 2);
    assert_eq!(input.len(), planes * height * width);
    assert_eq!(output_gradient.len(), planes * out_h * out_w);
    let mut gradient = zeros(input.len());
    if out_h == 0 || out_w == 0 {
        return gradient;
    }
    gradient
        .par_chunks_mut(height * width)
        .zip(input.par_chunks(height * width))
        .zip(output_gradient.par_chunks(out_h * out_w))
        .for_each(|((grad_plane, plane), out_grad)| {
            // A dropped odd last row stays as it is (zero).
            for (row, pair) in grad_plane.chunks_exact_mut(2 * width).enumerate() {
                input_gradient_pair(out_grad, plane, row, width, pair);
            }
        });
    gradient
}

/// Rows `2 · row` and `2 · row + 1` of one plane of [`max_pool2x2_backward`], from that
/// plane's output gradient `pooled` (`[height / 2, width / 2]`) and input `input`
/// (`[height, width]`), into `pair` (`2 · width`): each window's gradient to its maximum,
/// zero elsewhere and in a dropped odd column; zero throughout for the dropped odd last
/// row (`row = height / 2`). Winograd's input gradient through a max-pool takes the rows
/// from here as it reads them.
pub(crate) fn input_gradient_pair(
    pooled: &[f32],
    input: &[f32],
    row: usize,
    width: usize,
    pair: &mut [f32],
) {
    let height = input.len() / width;
    let (top, bottom) = pair.split_at_mut(width);
    if row >= height / 2 {
        top.fill(0.0);
        bottom.fill(0.0);
        return;
    }
    let windows = width / 2;
    let rows = &input[2 * row * width..][..2 * width];
    route_row_pair(
        [&rows[..width], &rows[width..]],
        &pooled[row * windows..][..windows],
        [&mut *top, &mut *bottom],
    );
    if width % 2 == 1 {
        top[width - 1] = 0.0;
        bottom[width - 1] = 0.0;
    }
}

/// Windows per block of [`route_row_pair`].
const WINDOWS: usize = 8;

/// One row pair of [`max_pool2x2_backward`]: each window's output gradient to its
/// maximum, zero to the other three. The windows go in blocks of [`WINDOWS`] held in
/// fixed-size arrays, so the compiler turns each block into vector instructions (one
/// window at a time, it did not); the last few one at a time. A last odd column is left
/// as it is.
#[inline(always)]
fn route_row_pair(
    [top, bottom]: [&[f32]; 2],
    out_grad: &[f32],
    [grad_top, grad_bottom]: [&mut [f32]; 2],
) {
    let windows = out_grad.len();
    let route = |t: [f32; 2], b: [f32; 2], g: f32| {
        let pick = first_maximum([t[0], t[1], b[0], b[1]]);
        let share = |picked: bool| if picked { g } else { 0.0 };
        (
            [share(pick[0]), share(pick[1])],
            [share(pick[2]), share(pick[3])],
        )
    };
    let blocks = windows / WINDOWS * WINDOWS;
    for start in (0..blocks).step_by(WINDOWS) {
        let span = 2 * start..2 * (start + WINDOWS);
        let t: [f32; 2 * WINDOWS] = top[span.clone()].try_into().expect("a block");
        let b: [f32; 2 * WINDOWS] = bottom[span.clone()].try_into().expect("a block");
        let g: [f32; WINDOWS] = out_grad[start..start + WINDOWS]
            .try_into()
            .expect("a block");
        let mut gt = [0.0f32; 2 * WINDOWS];
        let mut gb = [0.0f32; 2 * WINDOWS];
        for k in 0..WINDOWS {
            let (to_top, to_bottom) =
                route([t[2 * k], t[2 * k + 1]], [b[2 * k], b[2 * k + 1]], g[k]);
            gt[2 * k..2 * k + 2].copy_from_slice(&to_top);
            gb[2 * k..2 * k + 2].copy_from_slice(&to_bottom);
        }
        grad_top[span.clone()].copy_from_slice(&gt);
        grad_bottom[span].copy_from_slice(&gb);
    }
    for k in blocks..windows {
        let (to_top, to_bottom) = route(
            [top[2 * k], top[2 * k + 1]],
            [bottom[2 * k], bottom[2 * k + 1]],
            out_grad[k],
        );
        grad_top[2 * k..2 * k + 2].copy_from_slice(&to_top);
        grad_bottom[2 * k..2 * k + 2].copy_from_slice(&to_bottom);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_takes_each_windows_maximum_and_drops_odd_edges() {
        // One 3×5 plane: the last row and column are dropped.
        #[rustfmt::skip]
        let input = [
            1.0, 5.0, 2.0, 0.0, 9.0,
            3.0, 4.0, 7.0, 1.0, 9.0,
            9.0, 9.0, 9.0, 9.0, 9.0,
        ];
        assert_eq!(max_pool2x2(&input, 1, 3, 5), vec![5.0, 7.0]);
    }

    #[test]
    fn backward_routes_to_the_first_maximum() {
        // Plane 0: distinct values; plane 1: a tie (first wins) and a NaN (wins).
        #[rustfmt::skip]
        let input = [
            1.0, 5.0, 2.0, 0.0,
            3.0, 4.0, 7.0, 1.0,

            2.0, 2.0, 1.0, 1.0,
            2.0, 0.0, f32::NAN, 3.0,
        ];
        let gradient = max_pool2x2_backward(&input, &[10.0, 20.0, 30.0, 40.0], 2, 2, 4);
        #[rustfmt::skip]
        let expected = [
            0.0, 10.0, 0.0, 0.0,
            0.0, 0.0, 20.0, 0.0,

            30.0, 0.0, 0.0, 0.0,
            0.0, 0.0, 40.0, 0.0,
        ];
        assert_eq!(gradient, expected);
        let pooled = max_pool2x2(&input, 2, 2, 4);
        assert_eq!(pooled[..3], [5.0, 7.0, 2.0]);
        assert!(pooled[3].is_nan(), "NaN propagates");
    }

    /// Rows of many windows, so most go through the blocks of `route_row_pair` and the
    /// rest one at a time: values on a coarse grid (so windows tie), a NaN, an odd width
    /// and height; against each window routed on its own.
    #[test]
    fn long_rows_route_like_single_windows() {
        let (planes, height, width) = (3, 7, 2 * (2 * WINDOWS + 3) + 1);
        let mut input: Vec<f32> = crate::test_support::values(planes * height * width, 7)
            .into_iter()
            .map(|v| (v * 4.0).round())
            .collect();
        input[width + 2 * 5] = f32::NAN;
        let (out_h, out_w) = (height / 2, width / 2);
        let output_gradient: Vec<f32> = (0..planes * out_h * out_w)
            .map(|i| 1.0 + i as f32)
            .collect();
        let mut expected = vec![0.0f32; input.len()];
        for p in 0..planes {
            for y in 0..out_h {
                for x in 0..out_w {
                    let at = |dy: usize, dx: usize| (p * height + 2 * y + dy) * width + 2 * x + dx;
                    let cells = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
                    let pick = first_maximum(cells.map(|i| input[i]));
                    let picked = pick.iter().position(|&p| p).expect("one is picked");
                    expected[cells[picked]] = output_gradient[(p * out_h + y) * out_w + x];
                }
            }
        }
        let gradient = max_pool2x2_backward(&input, &output_gradient, planes, height, width);
        assert_eq!(gradient, expected);
        assert!(
            expected[width + 2 * 5] > 0.0,
            "the NaN takes its window's gradient"
        );
    }

    #[test]
    fn empty_and_one_pixel_planes() {
        assert!(max_pool2x2(&[1.0], 1, 1, 1).is_empty());
        assert_eq!(max_pool2x2_backward(&[1.0], &[], 1, 1, 1), vec![0.0]);
        assert!(max_pool2x2(&[], 0, 4, 4).is_empty());
    }
}
