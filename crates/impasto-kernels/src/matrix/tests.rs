//! The safe wrapper against the sums written out, and the checks it makes.

use super::*;
use crate::test_support::values;

/// `lhs · rhs` summed in f64, the operands given element by element.
fn naive(
    m: usize,
    n: usize,
    k: usize,
    lhs: impl Fn(usize, usize) -> f32,
    rhs: impl Fn(usize, usize) -> f32,
) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k)
                .map(|p| f64::from(lhs(i, p)) * f64::from(rhs(p, j)))
                .sum();
        }
    }
    out
}

/// A transposed, offset left operand, a strided right one, a destination split into two
/// column blocks written separately, replaced then added to.
#[test]
fn strided_products_match_the_sums() {
    let (m, n, k) = (5, 7, 6);
    let a = values(3 + k * m, 1); // lhs[i, p] = a[3 + p·m + i]
    let b = values(2 * k * n, 2); // rhs[p, j] = b[p · 2n + j]
    let lhs = Layout {
        start: 3,
        rows: m,
        cols: k,
        row_stride: 1,
        col_stride: m,
    };
    let rhs = Layout {
        start: 0,
        rows: k,
        cols: n,
        row_stride: 2 * n,
        col_stride: 1,
    };
    let expected = naive(m, n, k, |i, p| a[3 + p * m + i], |p, j| b[p * 2 * n + j]);
    let mut dst = vec![f32::NAN; m * n];
    let whole = MatMut::new(&mut dst, Layout::row_major(0, m, n));
    let (left, right) = whole.split_at_col(3);
    let (lhs_view, rhs_view) = (MatRef::new(&a, lhs), MatRef::new(&b, rhs));
    let right_rhs = MatRef::new(
        &b,
        Layout {
            start: 3,
            cols: n - 3,
            ..rhs
        },
    );
    gemm(
        left,
        Accum::Replace,
        lhs_view,
        MatRef::new(&b, Layout { cols: 3, ..rhs }),
        gemm::Parallelism::None,
    );
    gemm(
        right,
        Accum::Replace,
        lhs_view,
        right_rhs,
        gemm::Parallelism::Rayon(0),
    );
    for (got, want) in dst.iter().zip(&expected) {
        assert!((f64::from(*got) - want).abs() < 1e-5, "{got} vs {want}");
    }
    let mut view = MatMut::new(&mut dst, Layout::row_major(0, m, n));
    gemm(
        view.rb_mut(),
        Accum::Add,
        lhs_view,
        rhs_view,
        gemm::Parallelism::None,
    );
    for (got, want) in dst.iter().zip(&expected) {
        assert!(
            (f64::from(*got) - 2.0 * want).abs() < 1e-5,
            "{got} vs 2 · {want}"
        );
    }
}

#[test]
fn an_empty_sum_replaces_with_zeros_and_adds_nothing() {
    let mut dst = vec![1.0f32; 6];
    let lhs = MatRef::new(&[], Layout::row_major(0, 2, 0));
    let rhs = MatRef::new(&[], Layout::row_major(0, 0, 3));
    let view = MatMut::new(&mut dst, Layout::row_major(0, 2, 3));
    gemm(view, Accum::Add, lhs, rhs, gemm::Parallelism::None);
    assert_eq!(dst, [1.0; 6]);
    let view = MatMut::new(&mut dst, Layout::row_major(0, 2, 3));
    gemm(view, Accum::Replace, lhs, rhs, gemm::Parallelism::None);
    assert_eq!(dst, [0.0; 6]);
}

#[test]
#[should_panic(expected = "reaches past")]
fn a_view_past_its_slice_is_refused() {
    MatRef::new(
        &[0.0; 11],
        Layout {
            start: 0,
            rows: 3,
            cols: 4,
            row_stride: 4,
            col_stride: 1,
        },
    );
}

#[test]
#[should_panic(expected = "repeats elements")]
fn a_destination_that_repeats_elements_is_refused() {
    let mut data = [0.0; 8];
    MatMut::new(
        &mut data,
        Layout {
            start: 0,
            rows: 3,
            cols: 3,
            row_stride: 2,
            col_stride: 1,
        },
    );
}

#[test]
#[should_panic(expected = "lhs rows")]
fn shapes_that_disagree_are_refused() {
    let mut dst = [0.0; 4];
    let lhs = MatRef::new(&[0.0; 6], Layout::row_major(0, 3, 2));
    let rhs = MatRef::new(&[0.0; 4], Layout::row_major(0, 2, 2));
    gemm(
        MatMut::new(&mut dst, Layout::row_major(0, 2, 2)),
        Accum::Replace,
        lhs,
        rhs,
        gemm::Parallelism::None,
    );
}

#[test]
fn rows_of_a_block_are_its_own() {
    let mut data: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let view = MatMut::new(&mut data, Layout::row_major(0, 3, 4));
    let (_, mut right) = view.split_at_col(1);
    assert_eq!(right.row_mut(2), [9.0, 10.0, 11.0]);
    right.row_mut(0).fill(-1.0);
    assert_eq!(data[..4], [0.0, -1.0, -1.0, -1.0]);
}
