//! The input convention of a network's weights: what it was trained to see.
//!
//! Two conventions cover the VGG files people use (see the project's `docs/weights.md`):
//!
//! - **torchvision** (`vgg16-397923af.pth`, `vgg19-dcbb9e9d.pth`): RGB in `[0, 1]`, each
//!   channel normalised by ImageNet's mean (0.485, 0.456, 0.406) and standard deviation
//!   (0.229, 0.224, 0.225);
//! - **caffe** (the original networks of Simonyan & Zisserman as trained in Caffe, and the
//!   conversions jcjohnson's neural-style and neural-style-pt use, `vgg16-00b39a1b.pth`,
//!   `vgg19-d01eb7cb.pth`): BGR in `[0, 255]` minus the channel means (103.939, 116.779,
//!   123.68). Their activations are about 58 times torchvision's.
//!
//! Both are a per-channel affine map of the `[0, 1]` RGB pixels, `x·scale + shift`, fed
//! to the first convolution; the caffe network's channel order (BGR) is folded into that
//! convolution's weights when they are loaded (its input channels reversed), so the
//! forward pass is the same multiply-add for both and no channel is ever permuted per
//! evaluation.

use core::fmt;

use burn::tensor::TensorData;

/// torchvision's ImageNet channel means (RGB, pixels in `[0, 1]`).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// torchvision's ImageNet channel standard deviations (RGB, pixels in `[0, 1]`).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];
/// Caffe's VGG channel means, in its BGR order, pixels in `[0, 255]`.
pub const CAFFE_MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];

/// What the weights of a network expect as input: torchvision's convention or caffe's (the
/// project's `docs/weights.md` lists the files of each).
///
/// Parsed from and shown as `torchvision` or `caffe`.
///
/// ```
/// use impasto_vgg::InputConvention;
///
/// let caffe: InputConvention = "caffe".parse()?;
/// assert_eq!(caffe, InputConvention::Caffe);
/// assert_eq!(caffe.to_string(), "caffe");
/// // A mid-grey pixel's red channel: 0.5·255 − 123.68.
/// let (scale, shift) = caffe.affine();
/// assert!((0.5 * scale[0] + shift[0] - 3.82).abs() < 1e-4);
/// # Ok::<(), impasto_vgg::VggError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InputConvention {
    /// RGB in `[0, 1]`, normalised by ImageNet's mean and standard deviation
    /// (torchvision's files).
    #[default]
    Torchvision,
    /// BGR in `[0, 255]` minus Caffe's channel means (the Caffe-trained originals and
    /// their conversions).
    Caffe,
}

impl InputConvention {
    /// Both conventions, in the order the command line lists them.
    pub const ALL: [InputConvention; 2] = [InputConvention::Torchvision, InputConvention::Caffe];

    /// Its name: `torchvision` or `caffe`.
    pub const fn name(self) -> &'static str {
        match self {
            InputConvention::Torchvision => "torchvision",
            InputConvention::Caffe => "caffe",
        }
    }

    /// The per-channel map of `[0, 1]` RGB pixels to the first convolution's input,
    /// `x·scale + shift`, in RGB order (the caffe channel order is in the weights).
    pub fn affine(self) -> ([f32; 3], [f32; 3]) {
        match self {
            InputConvention::Torchvision => (
                IMAGENET_STD.map(|s| 1.0 / s),
                [0, 1, 2].map(|c| -IMAGENET_MEAN[c] / IMAGENET_STD[c]),
            ),
            InputConvention::Caffe => ([255.0; 3], [0, 1, 2].map(|c| -CAFFE_MEAN_BGR[2 - c])),
        }
    }

    /// The first convolution's weight `[out, 3, 3, 3]` as stored in a file of this
    /// convention, rearranged to take RGB input: a caffe file's input channels (BGR) are
    /// reversed; a torchvision file's are already RGB.
    pub(crate) fn first_conv_to_rgb(self, weight: TensorData) -> TensorData {
        match self {
            InputConvention::Torchvision => weight,
            InputConvention::Caffe => reverse_input_channels(weight),
        }
    }
}

/// `w[o, c, i, j] ← w[o, 2 − c, i, j]` for an f32 weight `[out, 3, k, k]`.
fn reverse_input_channels(weight: TensorData) -> TensorData {
    let shape = weight.shape().to_vec();
    let plane = shape[2] * shape[3];
    let values: Vec<f32> = weight
        .try_into_vec::<f32>()
        .expect("weights are converted to f32 as they are read");
    let mut flipped = values.clone();
    for (out, chunk) in values.chunks_exact(3 * plane).enumerate() {
        for c in 0..3 {
            let to = out * 3 * plane + (2 - c) * plane;
            flipped[to..to + plane].copy_from_slice(&chunk[c * plane..(c + 1) * plane]);
        }
    }
    TensorData::new(flipped, shape)
}

impl fmt::Display for InputConvention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torchvision_affine_is_the_imagenet_normalisation() {
        let (scale, shift) = InputConvention::Torchvision.affine();
        for c in 0..3 {
            let x = 0.3f32;
            let expected = (x - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
            assert!((x * scale[c] + shift[c] - expected).abs() < 1e-6);
        }
    }

    #[test]
    fn caffe_affine_is_0_255_minus_the_means_in_rgb_order() {
        let (scale, shift) = InputConvention::Caffe.affine();
        // RGB order: red's mean is Caffe's third (123.68).
        assert_eq!(scale, [255.0; 3]);
        assert_eq!(shift, [-123.68, -116.779, -103.939]);
    }

    #[test]
    fn caffe_first_conv_reverses_input_channels_only() {
        // [2 out, 3 in, 1, 2]: value = 100·out + 10·in + position.
        let values: Vec<f32> = (0..2)
            .flat_map(|o| {
                (0..3).flat_map(move |c| (0..2).map(move |p| (100 * o + 10 * c + p) as f32))
            })
            .collect();
        let weight = TensorData::new(values.clone(), [2, 3, 1, 2]);
        let same = InputConvention::Torchvision.first_conv_to_rgb(weight.clone());
        assert_eq!(same.try_to_vec::<f32>().unwrap(), values);
        let rgb = InputConvention::Caffe
            .first_conv_to_rgb(weight)
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(
            rgb,
            [
                20., 21., 10., 11., 0., 1., 120., 121., 110., 111., 100., 101.
            ]
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for c in InputConvention::ALL {
            assert_eq!(c.to_string().parse::<InputConvention>().unwrap(), c);
        }
        assert!("bgr".parse::<InputConvention>().is_err());
    }
}
