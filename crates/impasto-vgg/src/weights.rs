//! Loading torchvision's VGG weights.
//!
//! torchvision publishes `vgg16-397923af.pth` and `vgg19-dcbb9e9d.pth` in the *legacy*
//! PyTorch serialisation (a sequence of pickles, before PyTorch 1.6); files saved by newer
//! PyTorch are ZIP archives; the same tensors are also shared as `.safetensors`. The keys
//! are `features.{i}.weight` `[out, in, 3, 3]` and `features.{i}.bias` `[out]`, `i` being
//! the layer's index in torchvision's `features` sequence (`classifier.*` is ignored).
//!
//! Reading the containers is burn's: [`PytorchStore`](burn::store::PytorchStore) (all
//! three PyTorch layouts, lazily, one tensor at a time) and
//! [`SafetensorsStore`](burn::store::SafetensorsStore), opened by the crate's `store`
//! module. What is written here is what those
//! stores cannot know: which key feeds which convolution, that only the convolutions up
//! to the network's last layer are required, the shape each needs, and the conversion of
//! f16/bf16/f64 tensors to f32 (the stores keep the file's element type, and a network
//! mixing types would fail in its first convolution).

use std::path::{Path, PathBuf};

use burn::tensor::{DType, Device, TensorData};

use crate::inspect::inspect_store;
use crate::model::{conv_from_data, conv_shapes};
use crate::store::WeightsStore;
use crate::{Vgg, VggConfig, VggError, VggLayer};

impl VggConfig {
    /// A network with trained weights, read from `path`.
    ///
    /// The file must be of the config's [`architecture`](Self::architecture) and, where it
    /// tells its input convention (see [`inspect_weights`](crate::inspect_weights)), of the
    /// config's [`input`](Self::input); a caffe file's first convolution is rearranged to
    /// take RGB (see [`InputConvention`](crate::InputConvention)).
    ///
    /// Reads `.pth`/`.pt` files in either PyTorch serialisation (legacy, as
    /// `vgg16-397923af.pth` is, or ZIP) and `.safetensors` files with the same keys. Only
    /// the convolutions up to [`last_layer`](Self::last_layer) are read and required;
    /// f16, bf16 and f64 tensors are converted to f32. The weights never receive
    /// gradients (see [`Vgg`]).
    ///
    /// ```no_run
    /// use burn::tensor::Device;
    /// use impasto_vgg::{VggConfig, VggLayer};
    ///
    /// let vgg = VggConfig::new()
    ///     .with_last_layer(Some(VggLayer::Relu5_1))
    ///     .load("vgg16-397923af.pth", &Device::flex())?;
    /// # Ok::<(), impasto_vgg::VggError>(())
    /// ```
    ///
    /// # Errors
    /// [`VggError::WeightsIo`] if the file cannot be read, [`VggError::WeightsFormat`] if
    /// it is not a weights file (or is truncated), [`VggError::MissingWeight`],
    /// [`VggError::WeightShape`] and [`VggError::WeightDType`] for a needed tensor that is
    /// absent, of the wrong shape or not floating point,
    /// [`VggError::ArchitectureMismatch`] / [`VggError::InputConventionMismatch`] for a
    /// file of the other architecture / known to expect the other input, and
    /// [`VggError::LayerNotInArchitecture`] for an invalid `last_layer`.
    pub fn load(&self, path: impl AsRef<Path>, device: &Device) -> Result<Vgg, VggError> {
        let path = path.as_ref();
        let layers = self.layers()?;
        let mut store = WeightsStore::open(path)?;
        let info = inspect_store(path, &mut store)?;
        if let Some(found) = info.architecture.filter(|&a| a != self.architecture) {
            return Err(VggError::ArchitectureMismatch {
                path: path.to_path_buf(),
                stated: self.architecture,
                found,
            });
        }
        if let Some((found, reason)) = info.input.filter(|(c, _)| *c != self.input) {
            return Err(VggError::InputConventionMismatch {
                path: path.to_path_buf(),
                stated: self.input,
                found,
                reason,
            });
        }
        let all_layers = self.architecture.layers();
        let mut convs = Vec::new();
        for (layer, [out, inp]) in conv_shapes(&layers) {
            let index = all_layers
                .iter()
                .position(|&l| l == layer)
                .expect("the network's layers come from its architecture");
            let mut read = |suffix: &str, shape: Vec<usize>| {
                let key = format!("features.{index}.{suffix}");
                TensorRequest {
                    path,
                    config: self,
                    layer,
                    key,
                    shape,
                }
                .read(&mut store)
            };
            let mut weight = read("weight", vec![out, inp, 3, 3])?;
            if index == 0 {
                weight = self.input.first_conv_to_rgb(weight);
            }
            let bias = read("bias", vec![out])?;
            convs.push(conv_from_data(weight, bias, device));
        }
        Ok(Vgg::from_parts(self, layers, convs))
    }
}

/// One tensor the network needs, with what an error about it must say.
struct TensorRequest<'a> {
    path: &'a Path,
    config: &'a VggConfig,
    layer: VggLayer,
    key: String,
    shape: Vec<usize>,
}

impl TensorRequest<'_> {
    fn read(self, store: &mut WeightsStore) -> Result<TensorData, VggError> {
        let path: PathBuf = self.path.to_path_buf();
        let (data, dtype) = store
            .read(&self.key)
            .map_err(|reason| VggError::WeightsFormat {
                path: path.clone(),
                reason,
            })?
            .ok_or_else(|| VggError::MissingWeight {
                path: path.clone(),
                key: self.key.clone(),
                layer: self.layer,
                architecture: self.config.architecture,
            })?;
        if !matches!(dtype, DType::F16 | DType::BF16 | DType::F32 | DType::F64) {
            return Err(VggError::WeightDType {
                path,
                key: self.key,
                dtype: format!("{dtype:?}"),
            });
        }
        if data.shape().as_slice() != self.shape.as_slice() {
            return Err(VggError::WeightShape {
                path,
                key: self.key,
                layer: self.layer,
                expected: self.shape,
                found: data.shape().to_vec(),
            });
        }
        Ok(data.convert_dtype(DType::F32))
    }
}
