//! The temporal-consistency term of video style transfer (Ruder, Dosovitskiy & Brox,
//! *Artistic style transfer for videos*, GCPR 2016, eq. 7): keep the pixels the optical
//! flow can be trusted at where the previous stylised frame, warped, puts them.

use burn::tensor::Tensor;

/// `L_t = (1/D) Σ_k c_k (x_k − ω_k)²` with `D` the number of elements of `x`
/// (`W·H·C`): Ruder et al.'s eq. 7. `x`, `target` (ω) and `weights` (c, 1 where the flow
/// is reliable, 0 where a pixel is disoccluded or on a motion boundary) have the same
/// shape. Summed plane by plane before the total, as the other terms are, so that an
/// `f32` sum over a large image keeps its precision.
///
/// Its weight in the total is resolved with the other terms' by
/// [`LossWeights::temporal_coefficient`](crate::LossWeights::temporal_coefficient).
pub fn temporal_loss(x: Tensor<4>, target: Tensor<4>, weights: Tensor<4>) -> Tensor<1> {
    let d = x.dims().iter().product::<usize>().max(1);
    let difference = x - target;
    difference
        .square()
        .mul(weights)
        .sum_dim(3)
        .sum_dim(2)
        .sum_dim(1)
        .sum()
        .div_scalar(d as f64)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn values(t: Tensor<4>) -> Vec<f64> {
        t.try_into_vec_as::<f64>().unwrap()
    }

    fn scalar(t: Tensor<1>) -> f64 {
        t.try_into_vec_as::<f64>().unwrap()[0]
    }

    /// A 1×3×2×3 image, its target and weights, as host vectors.
    fn data() -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let x: Vec<f32> = (0..18)
            .map(|i| (i as f32 * 0.37).sin() * 0.5 + 0.5)
            .collect();
        let t: Vec<f32> = (0..18)
            .map(|i| (i as f32 * 0.11).cos() * 0.5 + 0.5)
            .collect();
        let plane = [1.0, 0.0, 0.5, 1.0, 0.25, 0.0];
        let c: Vec<f32> = plane.iter().cycle().take(18).copied().collect();
        (x, t, c)
    }

    fn tensor(v: &[f32], device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(v.to_vec(), [1, 3, 2, 3]), device)
    }

    #[test]
    fn the_loss_is_the_weighted_mean_square() {
        let device = Device::flex();
        let (x, t, c) = data();
        let expected: f64 = (0..18)
            .map(|k| c[k] as f64 * (x[k] as f64 - t[k] as f64).powi(2))
            .sum::<f64>()
            / 18.0;
        let got = scalar(temporal_loss(
            tensor(&x, &device),
            tensor(&t, &device),
            tensor(&c, &device),
        ));
        assert!(
            (got - expected).abs() < 1e-6 * expected,
            "{got} vs {expected}"
        );
        assert!(expected > 0.01, "the case is not trivial");
    }

    #[test]
    fn the_pixel_gradient_matches_finite_differences() {
        let device = Device::flex();
        let (x, t, c) = data();
        let pixels = tensor(&x, &device).autodiff().require_grad();
        let loss = temporal_loss(pixels.clone(), tensor(&t, &device), tensor(&c, &device));
        let gradient = values(pixels.grad(&loss.backward()).unwrap());
        let h = 1e-2f32; // the loss is quadratic: central differences are exact but for rounding
        let f = |x: &[f32]| {
            scalar(temporal_loss(
                tensor(x, &device),
                tensor(&t, &device),
                tensor(&c, &device),
            ))
        };
        for k in 0..18 {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[k] += h;
            minus[k] -= h;
            let numeric = (f(&plus) - f(&minus)) / (2.0 * h as f64);
            assert!(
                (gradient[k] - numeric).abs() < 1e-4,
                "pixel {k}: autodiff {} vs finite differences {numeric}",
                gradient[k]
            );
        }
        // Where c is 0 the term pulls nowhere; where it is not, it pulls.
        assert_eq!(gradient[1], 0.0);
        assert!(gradient[0].abs() > 1e-3);
    }
}
