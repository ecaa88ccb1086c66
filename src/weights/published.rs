//! The weights files `impasto weights fetch` knows: where each is published, what it
//! holds, and the checksum it must have where one is confirmed.

use core::fmt;
use core::str::FromStr;

use impasto_vgg::{InputConvention, VggArchitecture};

/// The file name of torchvision's VGG16 weights; `397923af` is the start of its SHA-256.
pub const TORCHVISION_VGG16_FILE: &str = "vgg16-397923af.pth";

/// Where torchvision publishes [`TORCHVISION_VGG16_FILE`].
pub const TORCHVISION_VGG16_URL: &str = "https://download.pytorch.org/models/vgg16-397923af.pth";

/// The first hex digits of the SHA-256 of [`TORCHVISION_VGG16_FILE`], as in its name.
pub const TORCHVISION_VGG16_SHA256_PREFIX: &str = "397923af";

/// A published VGG weights file (docs/weights.md lists them with their sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublishedWeights {
    /// torchvision's `vgg16-397923af.pth` (528 MB): the default.
    TorchvisionVgg16,
    /// torchvision's `vgg19-dcbb9e9d.pth` (548 MB).
    TorchvisionVgg19,
    /// jcjohnson's conversion of the original Caffe VGG16, `vgg16-00b39a1b.pth`.
    CaffeVgg16,
    /// jcjohnson's conversion of the original Caffe VGG19, `vgg19-d01eb7cb.pth`.
    CaffeVgg19,
}

impl PublishedWeights {
    /// Every published file, the default first.
    pub const ALL: [PublishedWeights; 4] = [
        Self::TorchvisionVgg16,
        Self::TorchvisionVgg19,
        Self::CaffeVgg16,
        Self::CaffeVgg19,
    ];

    /// The name `impasto weights fetch --file` takes: `torchvision-vgg16`, …
    pub const fn name(self) -> &'static str {
        match self {
            Self::TorchvisionVgg16 => "torchvision-vgg16",
            Self::TorchvisionVgg19 => "torchvision-vgg19",
            Self::CaffeVgg16 => "caffe-vgg16",
            Self::CaffeVgg19 => "caffe-vgg19",
        }
    }

    /// The file's published name, which also tells impasto its input convention.
    pub const fn file_name(self) -> &'static str {
        match self {
            Self::TorchvisionVgg16 => "vgg16-397923af.pth",
            Self::TorchvisionVgg19 => "vgg19-dcbb9e9d.pth",
            Self::CaffeVgg16 => "vgg16-00b39a1b.pth",
            Self::CaffeVgg19 => "vgg19-d01eb7cb.pth",
        }
    }

    /// Where it is published.
    pub fn url(self) -> String {
        let base = match self {
            Self::TorchvisionVgg16 | Self::TorchvisionVgg19 => {
                "https://download.pytorch.org/models"
            }
            Self::CaffeVgg16 | Self::CaffeVgg19 => "https://web.eecs.umich.edu/~justincj/models",
        };
        format!("{base}/{}", self.file_name())
    }

    /// The first hex digits of its SHA-256, where they are confirmed: torchvision checks
    /// its files against the digits in their names. Empty for the caffe conversions,
    /// whose names follow the same pattern but are loaded without a hash check by the
    /// projects that publish them, so nothing confirms the digits (docs/weights.md).
    pub const fn sha256_prefix(self) -> &'static str {
        match self {
            Self::TorchvisionVgg16 => "397923af",
            Self::TorchvisionVgg19 => "dcbb9e9d",
            Self::CaffeVgg16 | Self::CaffeVgg19 => "",
        }
    }

    /// VGG16 or VGG19.
    pub const fn architecture(self) -> VggArchitecture {
        match self {
            Self::TorchvisionVgg16 | Self::CaffeVgg16 => VggArchitecture::Vgg16,
            Self::TorchvisionVgg19 | Self::CaffeVgg19 => VggArchitecture::Vgg19,
        }
    }

    /// The input the network expects.
    pub const fn input(self) -> InputConvention {
        match self {
            Self::TorchvisionVgg16 | Self::TorchvisionVgg19 => InputConvention::Torchvision,
            Self::CaffeVgg16 | Self::CaffeVgg19 => InputConvention::Caffe,
        }
    }
}

impl fmt::Display for PublishedWeights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PublishedWeights {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|p| p.name()).collect();
                format!("unknown weights file `{s}`; known: {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::PublishedWeights;

    #[test]
    fn every_file_is_recognised_by_name_as_what_it_holds() {
        for p in PublishedWeights::ALL {
            assert_eq!(p.name().parse::<PublishedWeights>(), Ok(p));
            let known = impasto_vgg::KNOWN_FILES
                .iter()
                .find(|(name, _, _)| *name == p.file_name())
                .expect("inspect knows every published name");
            assert_eq!((known.1, known.2), (p.architecture(), p.input()), "{p}");
            assert!(p.url().ends_with(p.file_name()));
        }
        assert!("vgg16".parse::<PublishedWeights>().is_err());
    }
}
