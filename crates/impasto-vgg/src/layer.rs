//! The layers of VGG16 and VGG19, by the names the paper uses, and the two architectures
//! (which layers each has).

use core::fmt;

/// One layer of the VGG feature stack, named as in Gatys et al. (`relu4_2`, `pool3`, …).
///
/// The order of the variants (and so [`Ord`]) is the order of the network, so the
/// deepest of several layers is their maximum. `conv3_4`, `conv4_4`, `conv5_4` and their
/// ReLUs exist only in VGG19.
///
/// ```
/// use impasto_vgg::VggLayer;
///
/// let layer: VggLayer = "relu4_2".parse()?;
/// assert_eq!(layer, VggLayer::Relu4_2);
/// assert_eq!(layer.to_string(), "relu4_2");
/// assert_eq!(layer.channels(), 512);
/// assert!(VggLayer::Relu1_1 < VggLayer::Relu4_2);
/// # Ok::<(), impasto_vgg::VggError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VggLayer {
    /// `conv1_1`: the 3×3 convolution.
    Conv1_1,
    /// `relu1_1`: the ReLU after conv1_1.
    Relu1_1,
    /// `conv1_2`: the 3×3 convolution.
    Conv1_2,
    /// `relu1_2`: the ReLU after conv1_2.
    Relu1_2,
    /// `pool1`: 2×2 pooling, stride 2, ending block 1.
    Pool1,
    /// `conv2_1`: the 3×3 convolution.
    Conv2_1,
    /// `relu2_1`: the ReLU after conv2_1.
    Relu2_1,
    /// `conv2_2`: the 3×3 convolution.
    Conv2_2,
    /// `relu2_2`: the ReLU after conv2_2.
    Relu2_2,
    /// `pool2`: 2×2 pooling, stride 2, ending block 2.
    Pool2,
    /// `conv3_1`: the 3×3 convolution.
    Conv3_1,
    /// `relu3_1`: the ReLU after conv3_1.
    Relu3_1,
    /// `conv3_2`: the 3×3 convolution.
    Conv3_2,
    /// `relu3_2`: the ReLU after conv3_2.
    Relu3_2,
    /// `conv3_3`: the 3×3 convolution.
    Conv3_3,
    /// `relu3_3`: the ReLU after conv3_3.
    Relu3_3,
    /// `conv3_4`: the 3×3 convolution (VGG19 only).
    Conv3_4,
    /// `relu3_4`: the ReLU after conv3_4 (VGG19 only).
    Relu3_4,
    /// `pool3`: 2×2 pooling, stride 2, ending block 3.
    Pool3,
    /// `conv4_1`: the 3×3 convolution.
    Conv4_1,
    /// `relu4_1`: the ReLU after conv4_1.
    Relu4_1,
    /// `conv4_2`: the 3×3 convolution.
    Conv4_2,
    /// `relu4_2`: the ReLU after conv4_2.
    Relu4_2,
    /// `conv4_3`: the 3×3 convolution.
    Conv4_3,
    /// `relu4_3`: the ReLU after conv4_3.
    Relu4_3,
    /// `conv4_4`: the 3×3 convolution (VGG19 only).
    Conv4_4,
    /// `relu4_4`: the ReLU after conv4_4 (VGG19 only).
    Relu4_4,
    /// `pool4`: 2×2 pooling, stride 2, ending block 4.
    Pool4,
    /// `conv5_1`: the 3×3 convolution.
    Conv5_1,
    /// `relu5_1`: the ReLU after conv5_1.
    Relu5_1,
    /// `conv5_2`: the 3×3 convolution.
    Conv5_2,
    /// `relu5_2`: the ReLU after conv5_2.
    Relu5_2,
    /// `conv5_3`: the 3×3 convolution.
    Conv5_3,
    /// `relu5_3`: the ReLU after conv5_3.
    Relu5_3,
    /// `conv5_4`: the 3×3 convolution (VGG19 only).
    Conv5_4,
    /// `relu5_4`: the ReLU after conv5_4 (VGG19 only).
    Relu5_4,
    /// `pool5`: 2×2 pooling, stride 2, ending block 5.
    Pool5,
}

/// What a layer computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerKind {
    /// A 3×3 convolution, stride 1, padding 1.
    Conv,
    /// A rectified linear unit.
    Relu,
    /// A 2×2 pooling with stride 2 (max or average, see [`Pooling`](crate::Pooling)).
    Pool,
}

impl VggLayer {
    /// Every layer of either architecture, in network order.
    pub const ALL: [VggLayer; 37] = [
        VggLayer::Conv1_1,
        VggLayer::Relu1_1,
        VggLayer::Conv1_2,
        VggLayer::Relu1_2,
        VggLayer::Pool1,
        VggLayer::Conv2_1,
        VggLayer::Relu2_1,
        VggLayer::Conv2_2,
        VggLayer::Relu2_2,
        VggLayer::Pool2,
        VggLayer::Conv3_1,
        VggLayer::Relu3_1,
        VggLayer::Conv3_2,
        VggLayer::Relu3_2,
        VggLayer::Conv3_3,
        VggLayer::Relu3_3,
        VggLayer::Conv3_4,
        VggLayer::Relu3_4,
        VggLayer::Pool3,
        VggLayer::Conv4_1,
        VggLayer::Relu4_1,
        VggLayer::Conv4_2,
        VggLayer::Relu4_2,
        VggLayer::Conv4_3,
        VggLayer::Relu4_3,
        VggLayer::Conv4_4,
        VggLayer::Relu4_4,
        VggLayer::Pool4,
        VggLayer::Conv5_1,
        VggLayer::Relu5_1,
        VggLayer::Conv5_2,
        VggLayer::Relu5_2,
        VggLayer::Conv5_3,
        VggLayer::Relu5_3,
        VggLayer::Conv5_4,
        VggLayer::Relu5_4,
        VggLayer::Pool5,
    ];

    /// The paper's name of the layer, e.g. `"relu4_2"`.
    pub const fn name(self) -> &'static str {
        match self {
            VggLayer::Conv1_1 => "conv1_1",
            VggLayer::Relu1_1 => "relu1_1",
            VggLayer::Conv1_2 => "conv1_2",
            VggLayer::Relu1_2 => "relu1_2",
            VggLayer::Pool1 => "pool1",
            VggLayer::Conv2_1 => "conv2_1",
            VggLayer::Relu2_1 => "relu2_1",
            VggLayer::Conv2_2 => "conv2_2",
            VggLayer::Relu2_2 => "relu2_2",
            VggLayer::Pool2 => "pool2",
            VggLayer::Conv3_1 => "conv3_1",
            VggLayer::Relu3_1 => "relu3_1",
            VggLayer::Conv3_2 => "conv3_2",
            VggLayer::Relu3_2 => "relu3_2",
            VggLayer::Conv3_3 => "conv3_3",
            VggLayer::Relu3_3 => "relu3_3",
            VggLayer::Conv3_4 => "conv3_4",
            VggLayer::Relu3_4 => "relu3_4",
            VggLayer::Pool3 => "pool3",
            VggLayer::Conv4_1 => "conv4_1",
            VggLayer::Relu4_1 => "relu4_1",
            VggLayer::Conv4_2 => "conv4_2",
            VggLayer::Relu4_2 => "relu4_2",
            VggLayer::Conv4_3 => "conv4_3",
            VggLayer::Relu4_3 => "relu4_3",
            VggLayer::Conv4_4 => "conv4_4",
            VggLayer::Relu4_4 => "relu4_4",
            VggLayer::Pool4 => "pool4",
            VggLayer::Conv5_1 => "conv5_1",
            VggLayer::Relu5_1 => "relu5_1",
            VggLayer::Conv5_2 => "conv5_2",
            VggLayer::Relu5_2 => "relu5_2",
            VggLayer::Conv5_3 => "conv5_3",
            VggLayer::Relu5_3 => "relu5_3",
            VggLayer::Conv5_4 => "conv5_4",
            VggLayer::Relu5_4 => "relu5_4",
            VggLayer::Pool5 => "pool5",
        }
    }

    /// What the layer computes, its block (1–5) and its index in the block (1–4; 0 for pools).
    const fn parts(self) -> (LayerKind, usize, usize) {
        match self {
            VggLayer::Conv1_1 => (LayerKind::Conv, 1, 1),
            VggLayer::Relu1_1 => (LayerKind::Relu, 1, 1),
            VggLayer::Conv1_2 => (LayerKind::Conv, 1, 2),
            VggLayer::Relu1_2 => (LayerKind::Relu, 1, 2),
            VggLayer::Pool1 => (LayerKind::Pool, 1, 0),
            VggLayer::Conv2_1 => (LayerKind::Conv, 2, 1),
            VggLayer::Relu2_1 => (LayerKind::Relu, 2, 1),
            VggLayer::Conv2_2 => (LayerKind::Conv, 2, 2),
            VggLayer::Relu2_2 => (LayerKind::Relu, 2, 2),
            VggLayer::Pool2 => (LayerKind::Pool, 2, 0),
            VggLayer::Conv3_1 => (LayerKind::Conv, 3, 1),
            VggLayer::Relu3_1 => (LayerKind::Relu, 3, 1),
            VggLayer::Conv3_2 => (LayerKind::Conv, 3, 2),
            VggLayer::Relu3_2 => (LayerKind::Relu, 3, 2),
            VggLayer::Conv3_3 => (LayerKind::Conv, 3, 3),
            VggLayer::Relu3_3 => (LayerKind::Relu, 3, 3),
            VggLayer::Conv3_4 => (LayerKind::Conv, 3, 4),
            VggLayer::Relu3_4 => (LayerKind::Relu, 3, 4),
            VggLayer::Pool3 => (LayerKind::Pool, 3, 0),
            VggLayer::Conv4_1 => (LayerKind::Conv, 4, 1),
            VggLayer::Relu4_1 => (LayerKind::Relu, 4, 1),
            VggLayer::Conv4_2 => (LayerKind::Conv, 4, 2),
            VggLayer::Relu4_2 => (LayerKind::Relu, 4, 2),
            VggLayer::Conv4_3 => (LayerKind::Conv, 4, 3),
            VggLayer::Relu4_3 => (LayerKind::Relu, 4, 3),
            VggLayer::Conv4_4 => (LayerKind::Conv, 4, 4),
            VggLayer::Relu4_4 => (LayerKind::Relu, 4, 4),
            VggLayer::Pool4 => (LayerKind::Pool, 4, 0),
            VggLayer::Conv5_1 => (LayerKind::Conv, 5, 1),
            VggLayer::Relu5_1 => (LayerKind::Relu, 5, 1),
            VggLayer::Conv5_2 => (LayerKind::Conv, 5, 2),
            VggLayer::Relu5_2 => (LayerKind::Relu, 5, 2),
            VggLayer::Conv5_3 => (LayerKind::Conv, 5, 3),
            VggLayer::Relu5_3 => (LayerKind::Relu, 5, 3),
            VggLayer::Conv5_4 => (LayerKind::Conv, 5, 4),
            VggLayer::Relu5_4 => (LayerKind::Relu, 5, 4),
            VggLayer::Pool5 => (LayerKind::Pool, 5, 0),
        }
    }

    /// What the layer computes.
    pub const fn kind(self) -> LayerKind {
        self.parts().0
    }

    /// The block (1–5) the layer belongs to; each block ends with a pool.
    pub const fn block(self) -> usize {
        self.parts().1
    }

    /// Channels of the layer's activation: 64, 128, 256, 512, 512 for blocks 1 to 5.
    pub const fn channels(self) -> usize {
        [64, 128, 256, 512, 512][self.block() - 1]
    }

    /// How many times an input of side `s` has been halved when it reaches this layer's
    /// output: `s` becomes `⌊s / 2^k⌋`.
    pub const fn downsamplings(self) -> u32 {
        match self.kind() {
            LayerKind::Pool => self.block() as u32,
            LayerKind::Conv | LayerKind::Relu => self.block() as u32 - 1,
        }
    }

    /// The smallest input side (height or width, in pixels) for which this layer's
    /// activation is at least 1×1: `2^downsamplings`.
    pub const fn min_input_side(self) -> usize {
        1 << self.downsamplings()
    }

    /// Whether the layer exists in `architecture`.
    pub const fn is_in(self, architecture: VggArchitecture) -> bool {
        let (kind, block, index) = self.parts();
        let convs_per_block = architecture.convs_per_block();
        matches!(kind, LayerKind::Pool) || index <= convs_per_block[block - 1]
    }
}

impl fmt::Display for VggLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl burn::serde::Serialize for VggLayer {
    fn serialize<S: burn::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> burn::serde::Deserialize<'de> for VggLayer {
    fn deserialize<D: burn::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(burn::serde::de::Error::custom)
    }
}

/// Which VGG network (Simonyan & Zisserman, 2014): 13 or 16 convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VggArchitecture {
    /// VGG16 (configuration D): 2, 2, 3, 3, 3 convolutions per block. The paper's network
    /// in impasto's defaults and torchvision's `vgg16-397923af.pth`.
    #[default]
    Vgg16,
    /// VGG19 (configuration E): 2, 2, 4, 4, 4 convolutions per block, the network of
    /// Gatys et al.; torchvision's `vgg19-dcbb9e9d.pth`.
    Vgg19,
}

impl VggArchitecture {
    /// Convolutions in each of the five blocks.
    pub const fn convs_per_block(self) -> [usize; 5] {
        match self {
            VggArchitecture::Vgg16 => [2, 2, 3, 3, 3],
            VggArchitecture::Vgg19 => [2, 2, 4, 4, 4],
        }
    }

    /// Every layer of the architecture, in order. A layer's position in this list is its
    /// index in torchvision's `features` sequence, hence its key `features.{i}.weight`.
    pub fn layers(self) -> Vec<VggLayer> {
        VggLayer::ALL
            .into_iter()
            .filter(|layer| layer.is_in(self))
            .collect()
    }
}

impl VggArchitecture {
    /// Both architectures.
    pub const ALL: [VggArchitecture; 2] = [VggArchitecture::Vgg16, VggArchitecture::Vgg19];

    /// Its name on the command line: `vgg16` or `vgg19`.
    pub const fn name(self) -> &'static str {
        match self {
            VggArchitecture::Vgg16 => "vgg16",
            VggArchitecture::Vgg19 => "vgg19",
        }
    }
}

impl fmt::Display for VggArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VggArchitecture::Vgg16 => "VGG16",
            VggArchitecture::Vgg19 => "VGG19",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for layer in VggLayer::ALL {
            assert_eq!(layer.name().parse::<VggLayer>().unwrap(), layer);
        }
        let mut names: Vec<_> = VggLayer::ALL.map(VggLayer::name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), VggLayer::ALL.len());
    }

    #[test]
    fn all_is_in_network_order() {
        assert!(VggLayer::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = "relu6_1".parse::<VggLayer>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("relu6_1"), "{message}");
        assert!(
            message.contains("relu4_2") && message.contains("pool5"),
            "{message}"
        );
    }

    #[test]
    fn parsing_ignores_case_and_whitespace() {
        assert_eq!(" ReLU5_1 ".parse::<VggLayer>().unwrap(), VggLayer::Relu5_1);
    }

    #[test]
    fn sizes_channels_and_architectures() {
        assert_eq!(VggLayer::Relu1_1.min_input_side(), 1);
        assert_eq!(VggLayer::Pool1.min_input_side(), 2);
        assert_eq!(VggLayer::Relu5_1.min_input_side(), 16);
        assert_eq!(VggLayer::Pool5.min_input_side(), 32);
        assert_eq!(VggLayer::Relu3_1.channels(), 256);
        assert!(!VggLayer::Relu3_4.is_in(VggArchitecture::Vgg16));
        assert!(VggLayer::Relu3_4.is_in(VggArchitecture::Vgg19));
        assert!(VggLayer::Pool5.is_in(VggArchitecture::Vgg16));
    }

    #[test]
    fn serde_uses_the_paper_names() {
        let json = serde_json::to_string(&VggLayer::Relu4_2).unwrap();
        assert_eq!(
            serde_json::from_str::<VggLayer>(&json).unwrap(),
            VggLayer::Relu4_2
        );
        assert_eq!(json, "\"relu4_2\"");
    }
}
