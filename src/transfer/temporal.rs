//! The temporal-consistency term of video style transfer (Ruder, Dosovitskiy & Brox,
//! *Artistic style transfer for videos*, GCPR 2016, eq. 7): keep the pixels the optical
//! flow can be trusted at where the previous stylised frame, warped, puts them.

use std::sync::Arc;

use burn::tensor::{Device, Tensor, TensorData};
use image::Rgb32FImage;

use crate::{ImpastoError, image_to_tensor};

/// The temporal weight's default: ρ_t, relative to the content term's scale when the
/// transfer balances its terms (see [`TemporalTerm::weight`]).
///
/// `L_t` is a mean squared pixel difference (pixels in `[0, 1]`), so ρ_t = 100 makes a
/// drift of 0.1 (25 levels of 255) on every trusted pixel cost as much as the whole
/// content term of an image with no features (`L_c = S_c`). Calibrated with trained
/// weights on a 256-px camera move (docs/video.md, "The weight ρ_t"): against frames
/// stylised on their own, ρ_t = 100 cuts the warping error between consecutive frames
/// ~15-fold for 6 % more style loss; 1000 cuts it ~28-fold but costs 40 % of style loss
/// and smooths the strokes; 10000 blurs the frames and is less consistent than 1000.
pub const DEFAULT_TEMPORAL_WEIGHT: f64 = 100.0;

/// The temporal loss of one frame: the previous stylised frame warped into this one (ω),
/// the per-pixel weight `c` of each pixel (1 where the flow is reliable, 0 where the
/// pixel is disoccluded or on a motion boundary), and the term's weight.
///
/// `L_t = (1/D) Σ_k c_k (x_k − ω_k)²`, `D = W·H·3`, `c` broadcast over the channels
/// ([`temporal_loss`](impasto_loss::temporal_loss)). It is added to the objective the optimizer sees, and reported
/// (unweighted) in each record's `temporal` field.
#[derive(Debug, Clone)]
pub struct TemporalTerm {
    target: Arc<Rgb32FImage>,
    pixel_weights: Arc<Vec<f32>>,
    weight: f64,
}

impl TemporalTerm {
    /// ω (the warped previous result, the size of the frame being optimised), `c` (one
    /// weight per pixel, row-major, each in `[0, 1]`) and the term's weight (see
    /// [`weight`](Self::weight)).
    ///
    /// # Errors
    /// [`ImpastoError::InvalidSetting`] when `c` does not have one value per pixel, a
    /// value is outside `[0, 1]`, or the weight is not finite and ≥ 0.
    pub fn new(
        target: Rgb32FImage,
        pixel_weights: Vec<f32>,
        weight: f64,
    ) -> Result<Self, ImpastoError> {
        let invalid = |reason: String| ImpastoError::InvalidSetting {
            setting: crate::error::Setting::TemporalWeight,
            reason,
        };
        let (w, h) = target.dimensions();
        if pixel_weights.len() != w as usize * h as usize {
            return Err(invalid(format!(
                "{} per-pixel weights for a {w}x{h} frame; give one per pixel",
                pixel_weights.len()
            )));
        }
        if let Some(c) = pixel_weights.iter().find(|c| !(0.0..=1.0).contains(*c)) {
            return Err(invalid(format!("per-pixel weight {c} is not in [0, 1]")));
        }
        if !weight.is_finite() || weight < 0.0 {
            return Err(invalid(format!("{weight} is not finite and ≥ 0")));
        }
        Ok(Self {
            target: Arc::new(target),
            pixel_weights: Arc::new(pixel_weights),
            weight,
        })
    }

    /// The term's weight. In a transfer whose terms are balanced (the default), it is
    /// ρ_t, relative to the content term's scale: the loss gains `ρ_t S_c · L_t`, so it
    /// means the same at every size (docs/maths.md, "Balanced weights"). With fixed
    /// weights ([`LossWeights::Fixed`](impasto_loss::LossWeights::Fixed)) it is the
    /// coefficient λ itself: the loss gains `λ L_t`
    /// ([`LossWeights::temporal_coefficient`](impasto_loss::LossWeights::temporal_coefficient)).
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The frame's `(width, height)`.
    pub fn dimensions(&self) -> (u32, u32) {
        self.target.dimensions()
    }

    /// ω as `[1, 3, H, W]` and `c` broadcast to the same shape, on `device`.
    pub(crate) fn tensors(&self, device: &Device) -> (Tensor<4>, Tensor<4>) {
        let (w, h) = self.target.dimensions();
        let plane = w as usize * h as usize;
        // Repeated on the host: three copies of a plane are cheap, and the loss is then a
        // plain element-wise product with no broadcasting rule to rely on.
        let mut weights = Vec::with_capacity(3 * plane);
        for _ in 0..3 {
            weights.extend_from_slice(&self.pixel_weights);
        }
        let shape = [1, 3, h as usize, w as usize];
        (
            image_to_tensor(&self.target, device),
            Tensor::from_data(TensorData::new(weights, shape), device),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_terms_are_refused() {
        let frame = Rgb32FImage::new(3, 2);
        assert!(TemporalTerm::new(frame.clone(), vec![1.0; 6], 1.0).is_ok());
        for (weights, weight) in [
            (vec![1.0; 5], 1.0),
            (vec![1.5; 6], 1.0),
            (vec![f32::NAN; 6], 1.0),
            (vec![1.0; 6], -1.0),
            (vec![1.0; 6], f64::INFINITY),
        ] {
            assert!(matches!(
                TemporalTerm::new(frame.clone(), weights, weight),
                Err(ImpastoError::InvalidSetting { .. })
            ));
        }
    }
}
