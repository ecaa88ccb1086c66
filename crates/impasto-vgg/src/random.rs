//! A network with random weights: [`VggConfig::init`] and [`VggConfig::try_init`].

use burn::tensor::{Device, TensorData};

use crate::model::{conv_from_data, conv_shapes};
use crate::portable_rng;
use crate::{Vgg, VggConfig, VggError};

impl VggConfig {
    /// A network with **random weights**: torchvision's initialisation of VGG
    /// (`kaiming_normal_(mode="fan_out", nonlinearity="relu")`, i.e. N(0, 2 / (9·C_out)),
    /// biases 0), drawn from [`portable_rng`] with [`seed`](Self::seed): convolution k
    /// (0-based, network order) uses stream `portable_rng::stream(seed, k)`.
    ///
    /// The weights never receive gradients (see [`Vgg`]).
    ///
    /// # Panics
    /// If [`last_layer`](Self::last_layer) is not a layer of the architecture; use
    /// [`try_init`](Self::try_init) to get an error instead.
    pub fn init(&self, device: &Device) -> Vgg {
        self.try_init(device)
            .unwrap_or_else(|error| panic!("invalid VggConfig: {error}"))
    }

    /// [`init`](Self::init), with an error instead of a panic for an invalid config.
    ///
    /// # Errors
    /// [`VggError::LayerNotInArchitecture`] if `last_layer` is not in the architecture.
    pub fn try_init(&self, device: &Device) -> Result<Vgg, VggError> {
        let layers = self.layers()?;
        let convs = conv_shapes(&layers)
            .enumerate()
            .map(|(k, (_, [out, inp]))| {
                let std = (2.0 / (9 * out) as f64).sqrt();
                let stream = portable_rng::stream(self.seed, k as u64);
                let weight = portable_rng::normal(stream, out * inp * 9, std);
                conv_from_data(
                    TensorData::new(weight, [out, inp, 3, 3]),
                    TensorData::new(vec![0f32; out], [out]),
                    device,
                )
            })
            .collect();
        Ok(Vgg::from_parts(self, layers, convs))
    }
}
