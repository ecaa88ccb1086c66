//! One input channel's plane as Winograd's input transform reads it: as it is, through
//! a ReLU's backward, or through a ReLU's and a max-pool's.

use crate::max_pool::input_gradient_pair;

/// One input channel's plane as the input transform reads it, row by row.
///
/// For an input gradient through a ReLU, the transform reads the gradient where the ReLU's
/// output is positive and zero elsewhere (the ReLU's backward), and for one through a
/// ReLU and then a 2×2 max-pool, each pooled gradient routed to its window's maximum
/// first (the pool's backward): both row by row, so no masked or unpooled copy of the
/// whole gradient is made (autodiff seldom hands the gradient over unshared, so masking it
/// in place meant a copy first; unpooling meant writing, then reading, a plane four times
/// the pooled gradient's size).
#[derive(Debug, Clone, Copy)]
pub(super) struct Plane<'a> {
    /// The plane (`[height, width]`), or with [`Plane::pooled`] the pooled gradient
    /// (`[height / 2, width / 2]`).
    pub(super) values: &'a [f32],
    /// The ReLU's output (`[height, width]`), whose positive elements pass the gradient.
    pub(super) relu_output: Option<&'a [f32]>,
    /// Whether `values` is the gradient of a 2×2 max-pool of `relu_output`.
    pub(super) pooled: bool,
}

impl<'a> Plane<'a> {
    /// Row `y` of the plane (`width` long), masked (and unpooled) into `scratch` if there
    /// is a ReLU.
    #[inline]
    pub(super) fn row<'s>(&self, y: usize, width: usize, scratch: &'s mut RowScratch) -> &'s [f32]
    where
        'a: 's,
    {
        let Some(relu_output) = self.relu_output else {
            return &self.values[y * width..][..width];
        };
        let RowScratch {
            pair,
            masked,
            unpooled,
        } = scratch;
        let values: &[f32] = if self.pooled {
            // Both rows of a window pair are routed at once; the transform reads them in
            // turn, so the second comes from the first's call.
            let key = (self.values.as_ptr() as usize, y / 2);
            if *unpooled != Some(key) {
                input_gradient_pair(self.values, relu_output, y / 2, width, pair);
                *unpooled = Some(key);
            }
            &pair[(y % 2) * width..][..width]
        } else {
            &self.values[y * width..][..width]
        };
        let relu_output = &relu_output[y * width..][..width];
        let masked = &mut masked[..width];
        for ((masked, &value), &output) in masked.iter_mut().zip(values).zip(relu_output) {
            // A select, so it vectorises.
            *masked = if output > 0.0 { value } else { 0.0 };
        }
        masked
    }
}

/// Room for one row of a [`Plane`] masked, and for the window pair it was unpooled from.
pub(super) struct RowScratch {
    /// `2 · width`: the two rows of a window pair, unpooled.
    pair: Vec<f32>,
    /// `width`: one row, masked.
    masked: Vec<f32>,
    /// Which pooled plane (its address) and window row `pair` holds.
    unpooled: Option<(usize, usize)>,
}

impl RowScratch {
    pub(super) fn new(width: usize) -> Self {
        RowScratch {
            pair: vec![0.0; 2 * width],
            masked: vec![0.0; width],
            unpooled: None,
        }
    }
}
