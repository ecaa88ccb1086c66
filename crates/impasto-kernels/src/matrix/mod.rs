//! Strided matrix views over slices and the one matrix product every kernel calls.
//!
//! `gemm::gemm` takes raw pointers, strides and sizes and trusts them all. Here a view is
//! built from a slice once, its bounds (and, for a destination, that no two elements share
//! an address) checked when it is made; [`gemm`] then checks only that the three shapes
//! agree and makes the single raw call, in the manner of faer's `MatRef`/`MatMut`. A
//! destination borrows its slice mutably for its whole life, so nothing else can read or
//! write those elements while a product writes them; it can be split into disjoint views
//! (blocks of columns) that threads fill in parallel.

use std::marker::PhantomData;

/// Where a matrix lies in a slice: element `(i, j)` is `data[start + i · row_stride + j ·
/// col_stride]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Offset of element `(0, 0)`.
    pub start: usize,
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl Layout {
    /// A contiguous row-major `rows × cols` matrix from `start`.
    pub(crate) fn row_major(start: usize, rows: usize, cols: usize) -> Self {
        Layout {
            start,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    fn is_empty(&self) -> bool {
        self.rows == 0 || self.cols == 0
    }

    /// Elements from `start` to the last element, inclusive (0 for an empty matrix), or
    /// `None` if that overflows.
    fn extent(&self) -> Option<usize> {
        if self.is_empty() {
            return Some(0);
        }
        let last_row = (self.rows - 1).checked_mul(self.row_stride)?;
        let last_col = (self.cols - 1).checked_mul(self.col_stride)?;
        last_row.checked_add(last_col)?.checked_add(1)
    }

    /// Panics unless the matrix lies inside a slice of `len` elements and its strides fit
    /// gemm's `isize`.
    fn check_bounds(&self, len: usize) {
        let inside = self
            .extent()
            .and_then(|extent| self.start.checked_add(extent))
            .is_some_and(|end| self.is_empty() || end <= len);
        assert!(inside, "{self:?} reaches past a slice of {len} elements");
        assert!(
            isize::try_from(self.row_stride).is_ok() && isize::try_from(self.col_stride).is_ok(),
            "{self:?}: strides past isize::MAX"
        );
    }

    /// Whether distinct `(i, j)` are distinct elements: one stride steps over the whole
    /// extent of the other dimension (sufficient, and true of every layout used here).
    fn is_injective(&self) -> bool {
        let spans = |outer: usize, inner: usize, inner_len: usize| {
            inner >= 1
                && inner
                    .checked_mul(inner_len)
                    .is_some_and(|span| outer >= span)
        };
        match (self.rows, self.cols) {
            (0..=1, 0..=1) => true,
            (0..=1, _) => self.col_stride >= 1,
            (_, 0..=1) => self.row_stride >= 1,
            (rows, cols) => {
                spans(self.row_stride, self.col_stride, cols)
                    || spans(self.col_stride, self.row_stride, rows)
            }
        }
    }
}

/// A read-only strided matrix: the operands of [`gemm`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatRef<'a> {
    /// From element `(0, 0)` to the last element (empty for an empty matrix).
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// The matrix `layout` describes in `data`. Panics if it reaches past `data`.
    pub(crate) fn new(data: &'a [f32], layout: Layout) -> Self {
        layout.check_bounds(data.len());
        let extent = layout.extent().expect("checked above");
        let data = if extent == 0 {
            &[]
        } else {
            &data[layout.start..][..extent]
        };
        MatRef {
            data,
            rows: layout.rows,
            cols: layout.cols,
            row_stride: layout.row_stride,
            col_stride: layout.col_stride,
        }
    }
}

/// A writable strided matrix: the destination of [`gemm`].
///
/// Invariant: for `i < rows`, `j < cols`, `ptr + i · row_stride + j · col_stride` are
/// distinct elements of one slice that this view borrows exclusively for `'a` (so no other
/// reference or view reaches them meanwhile). An empty view points at nothing it may use.
#[derive(Debug)]
pub(crate) struct MatMut<'a> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: a `MatMut` is an exclusive borrow of `f32`s (see its invariant), like a
// `&mut [f32]`, which is `Send`: moving it to another thread moves the only access.
#[allow(unsafe_code)]
unsafe impl Send for MatMut<'_> {}

impl<'a> MatMut<'a> {
    /// The matrix `layout` describes in `data`. Panics if it reaches past `data` or if two
    /// of its elements would be the same one.
    pub(crate) fn new(data: &'a mut [f32], layout: Layout) -> Self {
        layout.check_bounds(data.len());
        assert!(layout.is_injective(), "{layout:?} repeats elements");
        let ptr = if layout.is_empty() {
            data.as_mut_ptr()
        } else {
            // In bounds: checked above.
            data[layout.start..].as_mut_ptr()
        };
        MatMut {
            ptr,
            rows: layout.rows,
            cols: layout.cols,
            row_stride: layout.row_stride,
            col_stride: layout.col_stride,
            _borrow: PhantomData,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    /// The same matrix, borrowed for a shorter time (to write it more than once).
    pub(crate) fn rb_mut(&mut self) -> MatMut<'_> {
        MatMut {
            ptr: self.ptr,
            _borrow: PhantomData,
            ..*self
        }
    }

    /// Columns `..col` and `col..`: disjoint, so each may be written on its own thread.
    pub(crate) fn split_at_col(self, col: usize) -> (MatMut<'a>, MatMut<'a>) {
        assert!(col <= self.cols, "column {col} of {}", self.cols);
        // `wrapping_add`: an empty right half may point one past its slice; it is never
        // read or written through (every use checks the shape first).
        let right = self.ptr.wrapping_add(col * self.col_stride);
        (
            MatMut {
                cols: col,
                _borrow: PhantomData,
                ..self
            },
            MatMut {
                ptr: right,
                cols: self.cols - col,
                _borrow: PhantomData,
                ..self
            },
        )
    }

    /// Row `i` as a slice, for a view whose rows are contiguous (column stride 1).
    #[allow(unsafe_code)]
    pub(crate) fn row_mut(&mut self, i: usize) -> &mut [f32] {
        assert!(i < self.rows, "row {i} of {}", self.rows);
        if self.cols == 0 {
            return &mut [];
        }
        assert!(
            self.cols == 1 || self.col_stride == 1,
            "the row is not contiguous"
        );
        // SAFETY: by the invariant, the `cols` elements `ptr + i · row_stride + j` (`j <
        // cols`, column stride 1) are elements of the slice this view borrows exclusively;
        // the result borrows `self` mutably, so no other access through this view (or a
        // view made from it) overlaps its life.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(i * self.row_stride), self.cols) }
    }
}

/// Whether [`gemm`] overwrites its destination or adds to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accum {
    /// `dst = lhs · rhs` (the destination is not read).
    Replace,
    /// `dst += lhs · rhs`.
    Add,
}

/// `dst = lhs · rhs` or `dst += lhs · rhs` ([`Accum`]), by gemm with the given parallelism.
///
/// Panics unless `dst` is `m × n`, `lhs` `m × k` and `rhs` `k × n`.
#[allow(unsafe_code)]
pub(crate) fn gemm(
    dst: MatMut<'_>,
    accum: Accum,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    parallelism: gemm::Parallelism,
) {
    let (m, n, k) = (dst.rows, dst.cols, lhs.cols);
    assert_eq!(lhs.rows, m, "lhs rows");
    assert_eq!(rhs.cols, n, "rhs columns");
    assert_eq!(rhs.rows, k, "the summed dimension");
    if m == 0 || n == 0 {
        return;
    }
    // Every stride fits `isize` (checked when the views were made).
    let stride = |s: usize| s as isize;
    // SAFETY: `dst`, `lhs` and `rhs` are `m × n`, `m × k` and `k × n` (asserted above;
    // with `k = 0` gemm reads no operand element and only writes or keeps `dst`), and each
    // view's elements lie inside its slice, every stride as
    // given (checked when the views were made), so gemm reads and writes only those
    // elements. `dst`'s elements are distinct and exclusively borrowed (its invariant), so
    // gemm's threads write disjoint elements that no reference reads or writes meanwhile;
    // `lhs` and `rhs` are shared borrows, so they cannot alias `dst`. `f32` is one of
    // gemm's types.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.ptr,
            stride(dst.col_stride),
            stride(dst.row_stride),
            accum == Accum::Add,
            lhs.data.as_ptr(),
            stride(lhs.col_stride),
            stride(lhs.row_stride),
            rhs.data.as_ptr(),
            stride(rhs.col_stride),
            stride(rhs.row_stride),
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests;
