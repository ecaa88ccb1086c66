//! Parsing the names of layers (`relu4_2`), architectures (`vgg16`) and input conventions
//! (`caffe`): the [`FromStr`] impls, here rather than beside their types because their
//! error is [`VggError`], whose variants hold those types.

use core::str::FromStr;

use crate::{InputConvention, VggArchitecture, VggError, VggLayer};

impl FromStr for VggLayer {
    type Err = VggError;

    /// Parses a paper name (`relu4_2`); surrounding whitespace and case are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        VggLayer::ALL
            .into_iter()
            .find(|layer| layer.name() == wanted)
            .ok_or_else(|| VggError::UnknownLayer {
                name: s.to_string(),
                valid: VggLayer::ALL.map(VggLayer::name).join(", "),
            })
    }
}

impl FromStr for VggArchitecture {
    type Err = VggError;

    /// `vgg16` or `vgg19` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VggArchitecture::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| VggError::UnknownArchitecture {
                name: s.to_string(),
            })
    }
}

impl FromStr for InputConvention {
    type Err = VggError;

    /// `torchvision` or `caffe` (lower case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputConvention::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| VggError::UnknownInputConvention {
                name: s.to_string(),
            })
    }
}
