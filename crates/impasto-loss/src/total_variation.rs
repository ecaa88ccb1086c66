//! Total variation: a smoothness penalty on the pixels.

use burn::tensor::Tensor;

use crate::reduce::sum_by_dims;

/// The total variation `L_tv = Σ (x_{c,i+1,j} − x_{c,i,j})² + Σ (x_{c,i,j+1} − x_{c,i,j})²`:
/// squared forward differences between vertically and horizontally adjacent pixels,
/// summed over channels, positions and the batch.
///
/// Applied to the pixels being optimised (not to features), it penalises the
/// high-frequency noise that the feature losses leave unconstrained. An image one pixel
/// high (wide) has no vertical (horizontal) differences; a 1×1 image gives 0.
///
/// # Shapes
/// - `image`: `[B, C, H, W]`
/// - output: `[1]`
///
/// # Example
/// ```
/// use burn::tensor::{Device, Tensor};
/// use impasto_loss::total_variation;
///
/// let device = Device::flex();
/// // [[0, 1], [3, 0]]: vertical 3, −1; horizontal 1, −3.
/// let image = Tensor::<1>::from_floats([0.0, 1.0, 3.0, 0.0], &device).reshape([1, 1, 2, 2]);
/// assert_eq!(total_variation(image).into_scalar::<f32>(), 20.0);
/// ```
pub fn total_variation(image: Tensor<4>) -> Tensor<1> {
    let [_, _, height, width] = image.dims();
    let squared_differences = |dim: usize, len: usize| {
        (len > 1).then(|| {
            let next = image.clone().narrow(dim, 1, len - 1);
            let this = image.clone().narrow(dim, 0, len - 1);
            sum_by_dims((next - this).square())
        })
    };
    match (
        squared_differences(2, height),
        squared_differences(3, width),
    ) {
        (Some(vertical), Some(horizontal)) => vertical + horizontal,
        (Some(one), None) | (None, Some(one)) => one,
        // Still a function of the image, so that a gradient (of zeros) exists.
        (None, None) => image.sum().mul_scalar(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_gradient, pseudo_random, scalar, tensor};

    #[test]
    fn hand_computed_two_by_two() {
        // Two channels: [[0, 1], [3, 0]] gives 9 + 1 + 1 + 9; [[1, 1], [1, 1]] gives 0.
        let image = tensor(&[0.0, 1.0, 3.0, 0.0, 1.0, 1.0, 1.0, 1.0], [1, 2, 2, 2]);
        assert_eq!(scalar(total_variation(image)), 20.0);
    }

    #[test]
    fn degenerate_sizes() {
        // One row: only horizontal differences, (2 − 1)² + (4 − 2)² = 5.
        assert_eq!(
            scalar(total_variation(tensor(&[1.0, 2.0, 4.0], [1, 1, 1, 3]))),
            5.0
        );
        assert_eq!(
            scalar(total_variation(tensor(&[1.0, 2.0, 4.0], [1, 1, 3, 1]))),
            5.0
        );
        assert_eq!(scalar(total_variation(tensor(&[7.0], [1, 1, 1, 1]))), 0.0);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let shape = [2, 3, 3, 4];
        check_gradient(total_variation, &pseudo_random(72, 7), shape, 1e-8);
    }
}
