//! The network and its forward pass.

use std::collections::{BTreeMap, BTreeSet};

use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;

use crate::{LayerKind, Pooling, VggArchitecture, VggError, VggLayer};

/// torchvision's ImageNet channel means, applied inside [`Vgg::features`].
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// torchvision's ImageNet channel standard deviations, applied inside [`Vgg::features`].
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A VGG16 or VGG19 feature extractor (the convolutional part, no classifier).
///
/// Built by [`VggConfig::init`](crate::VggConfig::init) (random weights) or
/// [`VggConfig::load`](crate::VggConfig::load) (torchvision's weights).
///
/// # Gradients
///
/// The weights never receive gradients: both constructors return the module with
/// [`Module::no_grad`] applied, so on an autodiff device only the input image is tracked.
/// A backward pass computes the input gradient and no weight gradients at all, which is
/// what style transfer optimises and what keeps it cheap.
#[derive(Module, Debug)]
pub struct Vgg {
    convs: Vec<Conv2d>,
    #[module(skip)]
    layers: Vec<VggLayer>,
    #[module(skip)]
    architecture: VggArchitecture,
    #[module(skip)]
    pooling: Pooling,
}

impl Vgg {
    pub(crate) fn from_parts(
        convs: Vec<Conv2d>,
        layers: Vec<VggLayer>,
        architecture: VggArchitecture,
        pooling: Pooling,
    ) -> Self {
        Self {
            convs,
            layers,
            architecture,
            pooling,
        }
    }

    /// The architecture, VGG16 or VGG19.
    pub fn architecture(&self) -> VggArchitecture {
        self.architecture
    }

    /// The pooling between blocks.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// The layers this network has, in order.
    pub fn layers(&self) -> &[VggLayer] {
        &self.layers
    }

    /// The deepest layer this network has.
    pub fn last_layer(&self) -> VggLayer {
        *self
            .layers
            .last()
            .expect("a VGG network has at least one layer")
    }

    /// The convolution of `layer` (a `conv` layer of this network), to inspect its weights.
    pub fn conv(&self, layer: VggLayer) -> Option<&Conv2d> {
        let position = self
            .layers
            .iter()
            .filter(|l| l.kind() == LayerKind::Conv)
            .position(|&l| l == layer)?;
        self.convs.get(position)
    }

    /// The same network with another pooling (the weights are shared, not copied).
    pub fn with_pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }

    /// The activations of `layers` for a batch of RGB images.
    ///
    /// The input holds pixels in `[0, 1]`; torchvision's normalisation
    /// ([`IMAGENET_MEAN`], [`IMAGENET_STD`]) is applied here. The forward pass stops at the
    /// deepest requested layer. Duplicates in `layers` are ignored; an empty list computes
    /// nothing.
    ///
    /// # Shapes
    /// - input: `[N, 3, H, W]`
    /// - output: for each layer, `[N, C_l, ⌊H / 2^k⌋, ⌊W / 2^k⌋]` where `C_l` is
    ///   [`VggLayer::channels`] and `k` is [`VggLayer::downsamplings`].
    ///
    /// # Errors
    /// - [`VggError::LayerNotInArchitecture`] / [`VggError::LayerBeyondNetwork`] for a layer
    ///   this network does not have;
    /// - [`VggError::InputShape`] if the input is not `[N ≥ 1, 3, H, W]`;
    /// - [`VggError::InputTooSmall`] if `H` or `W` is below the deepest layer's
    ///   [`VggLayer::min_input_side`].
    pub fn features(
        &self,
        input: Tensor<4>,
        layers: &[VggLayer],
    ) -> Result<BTreeMap<VggLayer, Tensor<4>>, VggError> {
        let wanted: BTreeSet<VggLayer> = layers.iter().copied().collect();
        let Some(&deepest) = wanted.last() else {
            return Ok(BTreeMap::new());
        };
        self.check_layers(&wanted)?;
        let [n, c, height, width] = input.dims();
        if n == 0 || c != 3 {
            return Err(VggError::InputShape {
                shape: input.dims().to_vec(),
            });
        }
        let min = deepest.min_input_side();
        if height < min || width < min {
            return Err(VggError::InputTooSmall {
                height,
                width,
                layer: deepest,
                min,
            });
        }

        let mut features = BTreeMap::new();
        let mut x = normalize(input);
        let mut convs = self.convs.iter();
        // A convolution whose own output nobody asked for runs with the ReLU after it in
        // one pass (on flex: one pass over the output less, forward and backward).
        let mut relu_done = false;
        for (index, &layer) in self.layers.iter().enumerate() {
            x = match layer.kind() {
                LayerKind::Conv => {
                    let conv = convs.next().expect("one convolution per conv layer");
                    let next = self.layers.get(index + 1).map(|next| next.kind());
                    relu_done = !wanted.contains(&layer) && next == Some(LayerKind::Relu);
                    if relu_done {
                        conv_relu_forward(conv, x)
                    } else {
                        conv_forward(conv, x)
                    }
                }
                LayerKind::Relu if relu_done => x,
                LayerKind::Relu => relu(x),
                LayerKind::Pool => self.pool(x),
            };
            if wanted.contains(&layer) {
                features.insert(layer, x.clone());
            }
            if layer == deepest {
                break;
            }
        }
        Ok(features)
    }

    fn check_layers(&self, wanted: &BTreeSet<VggLayer>) -> Result<(), VggError> {
        for &layer in wanted {
            if !layer.is_in(self.architecture) {
                return Err(VggError::LayerNotInArchitecture {
                    layer,
                    architecture: self.architecture,
                });
            }
            if layer > self.last_layer() {
                return Err(VggError::LayerBeyondNetwork {
                    layer,
                    last: self.last_layer(),
                });
            }
        }
        Ok(())
    }

    fn pool(&self, x: Tensor<4>) -> Tensor<4> {
        match self.pooling {
            Pooling::Max => max_pool2x2(x),
            Pooling::Avg => avg_pool2d(x, AvgPoolOptions::new([2, 2])),
        }
    }
}

/// `conv.forward(input)` as [`Vgg::features`] runs it: on a flex device (with or without
/// autodiff), in `f32`, for a 3×3, stride 1, padding 1 convolution with a bias, impasto's
/// own kernel (im2col by tiles of rows and one matrix product per tile, with an input-only
/// backward when the weights take no gradients); burn's `Conv2d::forward` otherwise. Both
/// give the same result to float rounding.
///
/// # Shapes
/// - input: `[N, C_in, H, W]`
/// - output: `[N, C_out, H, W]` (for VGG's convolutions)
///
/// ```
/// use burn::nn::PaddingConfig2d;
/// use burn::nn::conv::Conv2dConfig;
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let conv = Conv2dConfig::new([3, 8], [3, 3])
///     .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
///     .init(&device);
/// let image = Tensor::<4>::ones([1, 3, 16, 16], &device);
/// let fast = impasto_vgg::conv_forward(&conv, image.clone());
/// let burns = conv.forward(image);
/// assert!((fast - burns).abs().max().into_scalar::<f32>() < 1e-5);
/// ```
pub fn conv_forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return crate::flex_kernels::conv_forward(conv, x);
    #[cfg(not(feature = "flex"))]
    conv.forward(x)
}

/// `relu(conv.forward(x))`, fused on flex.
fn conv_relu_forward(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return crate::flex_kernels::conv_relu_forward(conv, x);
    #[cfg(not(feature = "flex"))]
    relu(conv.forward(x))
}

/// The 2×2, stride 2 max-pool as [`Vgg::features`] runs it ([`Pooling::Max`]): on a flex
/// device in `f32`, impasto's own kernel (its backward finds each window's maximum again
/// from the input instead of keeping indices); burn's `max_pool2d` otherwise. The same
/// result, ties going to the first maximum in row-major order as in burn and PyTorch.
///
/// # Shapes
/// - input: `[N, C, H, W]`
/// - output: `[N, C, ⌊H / 2⌋, ⌊W / 2⌋]`
///
/// ```
/// use burn::tensor::{Device, Tensor};
///
/// let device = Device::flex();
/// let x = Tensor::<1>::from_floats([1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 7.0, 1.0], &device);
/// let pooled = impasto_vgg::max_pool2x2(x.reshape([1, 1, 2, 4]));
/// assert_eq!(pooled.into_data().to_vec::<f32>().unwrap(), vec![5.0, 7.0]);
/// ```
pub fn max_pool2x2(x: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "flex")]
    return crate::flex_kernels::max_pool2x2(x);
    #[cfg(not(feature = "flex"))]
    burn::tensor::module::max_pool2d(x, burn::tensor::ops::MaxPoolOptions::new([2, 2]))
}

/// `(x − mean) / std` per channel, as `x · (1/std) − mean/std` (one multiply, one add).
fn normalize(x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let scale = IMAGENET_STD.map(|s| 1.0 / s);
    let shift = [0, 1, 2].map(|c| -IMAGENET_MEAN[c] / IMAGENET_STD[c]);
    // 24 bytes uploaded per forward pass: negligible beside the convolutions, and it keeps
    // the module free of constant tensors that would have to follow it across devices.
    let scale = Tensor::<1>::from_floats(scale, &device).reshape([1, 3, 1, 1]);
    let shift = Tensor::<1>::from_floats(shift, &device).reshape([1, 3, 1, 1]);
    x * scale + shift
}
