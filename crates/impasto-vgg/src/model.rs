//! The network and its forward pass.

use std::collections::{BTreeMap, BTreeSet};

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::relu;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::{Device, Tensor, TensorData};

use crate::{InputConvention, LayerKind, Pooling, VggArchitecture, VggConfig, VggError, VggLayer};

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
    #[module(skip)]
    input: InputConvention,
}

impl Vgg {
    /// The network `config` describes, with its `layers` (up to the last one needed) and
    /// their convolutions, in order.
    pub(crate) fn from_parts(
        config: &VggConfig,
        layers: Vec<VggLayer>,
        convs: Vec<Conv2d>,
    ) -> Self {
        Self {
            convs,
            layers,
            architecture: config.architecture,
            pooling: config.pooling,
            input: config.input,
        }
    }

    /// The input convention of its weights (applied inside [`features`](Self::features)).
    pub fn input_convention(&self) -> InputConvention {
        self.input
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
    /// The input holds RGB pixels in `[0, 1]`; the weights' input convention
    /// ([`InputConvention`]: torchvision's normalisation, or Caffe's 0–255 minus the means)
    /// is applied here. The forward pass stops at the
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
        let mut x = normalize(input, self.input);
        let mut convs = self.convs.iter();
        // A convolution whose own output nobody asked for runs with the ReLU after it in
        // one pass (on flex: one pass over the output less, forward and backward), and
        // with the max-pool after that too if nobody asked for the ReLU's output either
        // (on flex: the pool's input gradient is never written out).
        let (mut relu_done, mut pool_done) = (false, false);
        for (index, &layer) in self.layers.iter().enumerate() {
            x = match layer.kind() {
                LayerKind::Conv => {
                    let conv = convs.next().expect("one convolution per conv layer");
                    let kind = |offset: usize| self.layers.get(index + offset).map(|l| l.kind());
                    relu_done = !wanted.contains(&layer) && kind(1) == Some(LayerKind::Relu);
                    pool_done = relu_done
                        && !wanted.contains(&self.layers[index + 1])
                        && kind(2) == Some(LayerKind::Pool)
                        && self.pooling == Pooling::Max;
                    if pool_done {
                        crate::kernels::conv_relu_max_pool_forward(conv, x)
                    } else if relu_done {
                        crate::kernels::conv_relu_forward(conv, x)
                    } else {
                        crate::kernels::conv_forward(conv, x)
                    }
                }
                LayerKind::Relu if relu_done => x,
                LayerKind::Relu => relu(x),
                LayerKind::Pool if pool_done => x,
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
            Pooling::Max => crate::kernels::max_pool2x2(x),
            Pooling::Avg => avg_pool2d(x, AvgPoolOptions::new([2, 2])),
        }
    }
}

/// The input convention's per-channel `x · scale + shift` (one multiply, one add).
fn normalize(x: Tensor<4>, input: InputConvention) -> Tensor<4> {
    let device = x.device();
    let (scale, shift) = input.affine();
    // 24 bytes uploaded per forward pass: negligible beside the convolutions, and it keeps
    // the module free of constant tensors that would have to follow it across devices.
    let scale = Tensor::<1>::from_floats(scale, &device).reshape([1, 3, 1, 1]);
    let shift = Tensor::<1>::from_floats(shift, &device).reshape([1, 3, 1, 1]);
    x * scale + shift
}

/// The convolutions among `layers`, each with its `[out, in]` channels.
pub(crate) fn conv_shapes(
    layers: &[VggLayer],
) -> impl Iterator<Item = (VggLayer, [usize; 2])> + '_ {
    let mut channels_in = 3;
    layers
        .iter()
        .filter(|layer| layer.kind() == LayerKind::Conv)
        .map(move |&layer| {
            let shape = [layer.channels(), channels_in];
            channels_in = layer.channels();
            (layer, shape)
        })
}

/// A 3×3, stride 1, padding 1 convolution with the given weight `[out, in, 3, 3]` and bias.
pub(crate) fn conv_from_data(weight: TensorData, bias: TensorData, device: &Device) -> Conv2d {
    // Built directly rather than through `Conv2dConfig::init`, which would first draw
    // random weights only for them to be replaced.
    let conv = Conv2d {
        weight: Param::from_tensor(Tensor::from_data(weight, device)),
        bias: Some(Param::from_tensor(Tensor::from_data(bias, device))),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Explicit(1, 1, 1, 1),
    };
    conv.no_grad()
}
