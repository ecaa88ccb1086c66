//! The one error type of this crate.

use std::path::PathBuf;

use crate::{InputConvention, VggArchitecture, VggLayer};

/// Everything that can go wrong building or running a VGG network.
///
/// Messages name what was asked for and, for weight files, the file and the key, so
/// they can be shown to a user as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VggError {
    /// A layer name that is not one of the paper's names (`relu4_2`, `pool3`, …),
    /// when parsing a [`VggLayer`].
    #[error("unknown VGG layer `{name}`; valid layers are: {valid}")]
    UnknownLayer {
        /// The name that was given.
        name: String,
        /// Every valid name, comma separated.
        valid: String,
    },

    /// A layer that the network's architecture does not have, e.g. `relu3_4` asked of
    /// VGG16, in [`Vgg::features`](crate::Vgg::features) or a config's `last_layer`.
    #[error("layer {layer} does not exist in {architecture}")]
    LayerNotInArchitecture {
        /// The requested layer.
        layer: VggLayer,
        /// The network's architecture.
        architecture: VggArchitecture,
    },

    /// A layer deeper than the last layer the network was built with
    /// ([`VggConfig::last_layer`](crate::VggConfig::last_layer)), in
    /// [`Vgg::features`](crate::Vgg::features).
    #[error("layer {layer} is deeper than this network, which was built up to {last}")]
    LayerBeyondNetwork {
        /// The requested layer.
        layer: VggLayer,
        /// The deepest layer the network has.
        last: VggLayer,
    },

    /// An input that is not a batch of RGB images `[N, 3, H, W]` with N ≥ 1, in
    /// [`Vgg::features`](crate::Vgg::features).
    #[error("expected an input of shape [N, 3, H, W] with N >= 1, got {shape:?}")]
    InputShape {
        /// The input's shape.
        shape: Vec<usize>,
    },

    /// An input too small for the requested depth: each pool halves the image, so a layer
    /// after k pools needs both sides to be at least 2^k pixels.
    #[error(
        "a {height}x{width} input is too small for layer {layer}, which needs at least {min}x{min} pixels"
    )]
    InputTooSmall {
        /// Input height in pixels.
        height: usize,
        /// Input width in pixels.
        width: usize,
        /// The deepest requested layer.
        layer: VggLayer,
        /// The smallest side that layer accepts.
        min: usize,
    },

    /// A weights file that cannot be opened or read (missing, a directory, no permission).
    #[error("cannot read weights file {}: {source}", path.display())]
    WeightsIo {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file that is not a readable PyTorch checkpoint or safetensors file: not a
    /// weights file at all, truncated, or corrupt.
    #[error("{} is not a readable weights file: {reason}", path.display())]
    WeightsFormat {
        /// The file.
        path: PathBuf,
        /// What the reader found wrong.
        reason: String,
    },

    /// A weights file without a tensor the network needs (only the layers up to the
    /// network's last layer are needed).
    #[error(
        "weights file {} has no tensor `{key}` (needed for {layer}); is it a torchvision {architecture} file?",
        path.display()
    )]
    MissingWeight {
        /// The file.
        path: PathBuf,
        /// The missing key, e.g. `features.5.weight`.
        key: String,
        /// The convolution that needs it.
        layer: VggLayer,
        /// The architecture being loaded.
        architecture: VggArchitecture,
    },

    /// A tensor of the wrong shape, as when loading VGG19 weights into VGG16.
    #[error(
        "weights file {}: tensor `{key}` has shape {found:?}, but {layer} needs {expected:?}",
        path.display()
    )]
    WeightShape {
        /// The file.
        path: PathBuf,
        /// The tensor's key.
        key: String,
        /// The convolution it was meant for.
        layer: VggLayer,
        /// The shape the layer needs.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },

    /// A tensor whose element type is not a float (f16, bf16, f32 and f64 are converted
    /// to f32; integers and booleans are refused).
    #[error("weights file {}: tensor `{key}` has unsupported element type {dtype}", path.display())]
    WeightDType {
        /// The file.
        path: PathBuf,
        /// The tensor's key.
        key: String,
        /// The element type found.
        dtype: String,
    },

    /// A name that is not an input convention (`torchvision`, `caffe`), when parsing an
    /// [`InputConvention`].
    #[error("unknown input convention `{name}`; valid conventions are: torchvision, caffe")]
    UnknownInputConvention {
        /// The name that was given.
        name: String,
    },

    /// A name that is not an architecture (`vgg16`, `vgg19`), when parsing a
    /// [`VggArchitecture`].
    #[error("unknown VGG architecture `{name}`; valid architectures are: vgg16, vgg19")]
    UnknownArchitecture {
        /// The name that was given.
        name: String,
    },

    /// A weights file of one architecture loaded as the other (its keys tell: VGG19 has
    /// convolutions at `features.16` and `features.34`, VGG16 at `features.17`).
    #[error(
        "weights file {} holds a {found} network, but {stated} was asked for; ask for {found} (--architecture {})",
        path.display(), found.name()
    )]
    ArchitectureMismatch {
        /// The file.
        path: PathBuf,
        /// The architecture asked for.
        stated: VggArchitecture,
        /// The architecture the file holds.
        found: VggArchitecture,
    },

    /// A weights file whose input convention is known (a published file, or one that
    /// records it) loaded with the other convention.
    #[error(
        "weights file {} expects {found} input ({reason}), but {stated} was asked for; ask for {found} (--preprocess {found})",
        path.display()
    )]
    InputConventionMismatch {
        /// The file.
        path: PathBuf,
        /// The convention asked for.
        stated: InputConvention,
        /// The convention of the file.
        found: InputConvention,
        /// How the file's convention is known.
        reason: String,
    },
}
