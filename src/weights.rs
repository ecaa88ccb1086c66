//! Where the VGG16 weights come from: a file, torchvision's file in the cache, or random.
//!
//! impasto ships no weights. The trained network is torchvision's `vgg16-397923af.pth`
//! (528 MB), which [`WeightsDownload::torchvision_vgg16`] downloads into the user's cache
//! (`impasto weights fetch`), where [`WeightsSource::Default`] finds it. `IMPASTO_WEIGHTS`
//! ([`WEIGHTS_ENV`]) overrides that location, for both. [`WeightsSource::Random`] is an
//! untrained network for tests and demos, never a stand-in for trained weights.

use std::convert::Infallible;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::tensor::Device;
use impasto_vgg::{InputConvention, Vgg, VggArchitecture, VggConfig, VggError};

use crate::ImpastoError;

mod fetch;
mod location;
mod published;

pub use fetch::{DownloadProgress, FetchOutcome, Fetched, WeightsDownload};
pub use location::{WEIGHTS_ENV, default_weights_path, weights_cache_dir};
pub use published::{
    PublishedWeights, TORCHVISION_VGG16_FILE, TORCHVISION_VGG16_SHA256_PREFIX,
    TORCHVISION_VGG16_URL,
};

/// What to tell a user who has no weights at the default location.
fn fetch_hint() -> String {
    format!(
        "run `impasto weights fetch` to download torchvision's {TORCHVISION_VGG16_FILE} (528 MB), \
         set {WEIGHTS_ENV} to a weights file, or pass `--weights random` for an untrained \
         network (demo only)"
    )
}

/// Where the weights of the VGG16 network come from (`--weights`).
///
/// Parsed from `default`, `random`, or a path; shown the same way.
///
/// ```
/// use impasto::WeightsSource;
///
/// assert_eq!("random".parse(), Ok(WeightsSource::Random));
/// assert_eq!("default".parse(), Ok(WeightsSource::Default));
/// let path: WeightsSource = "weights/vgg16.safetensors".parse().unwrap();
/// assert_eq!(path, WeightsSource::Path("weights/vgg16.safetensors".into()));
/// assert_eq!(path.to_string(), "weights/vgg16.safetensors");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WeightsSource {
    /// torchvision's trained VGG16 at [`default_weights_path`]: `$IMPASTO_WEIGHTS`, or
    /// `vgg16-397923af.pth` in the user's cache directory, where `impasto weights fetch`
    /// downloads it.
    #[default]
    Default,
    /// A weights file: a PyTorch checkpoint (`.pth`, either serialisation) or a
    /// `.safetensors` file with torchvision's keys. (A file named `random` or `default`
    /// is written `./random`.)
    Path(PathBuf),
    /// An untrained network with seeded random weights (torchvision's initialisation):
    /// for tests and demos only, not a trained network. Its features are not those the
    /// method relies on, and results must be reported as coming from random weights.
    Random,
}

impl WeightsSource {
    /// Whether this is [`WeightsSource::Random`], an untrained network.
    pub fn is_random(&self) -> bool {
        matches!(self, WeightsSource::Random)
    }

    /// The weights file to read, checked to exist; `None` for random weights.
    ///
    /// ```no_run
    /// use impasto::WeightsSource;
    ///
    /// match WeightsSource::Default.resolve() {
    ///     Ok(path) => println!("weights: {}", path.unwrap().display()),
    ///     Err(error) => eprintln!("{error}"), // says to run `impasto weights fetch`
    /// }
    /// ```
    ///
    /// # Errors
    /// [`WeightsError::NotFound`](crate::error::WeightsError::NotFound) if the file does not exist (for the default
    /// location, the message gives the command that downloads it), and
    /// [`WeightsError::NoCacheDir`](crate::error::WeightsError::NoCacheDir) as in [`default_weights_path`].
    pub fn resolve(&self) -> Result<Option<PathBuf>, ImpastoError> {
        match self {
            WeightsSource::Random => Ok(None),
            WeightsSource::Path(path) => existing(
                path,
                "check the path given to --weights, or run `impasto weights fetch` to \
                 download torchvision's VGG16 weights",
            ),
            WeightsSource::Default => existing(&default_weights_path()?, &fetch_hint()),
        }
    }

    /// The network `config` describes, with these weights: read from the file, or drawn
    /// from [`VggConfig::seed`] for [`WeightsSource::Random`].
    ///
    /// ```
    /// use impasto::{Backend, WeightsSource};
    /// use impasto::vgg::{VggConfig, VggLayer};
    ///
    /// let config = VggConfig::new().with_last_layer(Some(VggLayer::Relu1_1)).with_seed(7);
    /// let vgg = WeightsSource::Random.load(&config, &Backend::Flex.device()?)?;
    /// assert_eq!(vgg.last_layer(), VggLayer::Relu1_1);
    /// # Ok::<(), impasto::ImpastoError>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`resolve`](Self::resolve), and [`ImpastoError::Vgg`] for an invalid
    /// config or a file that is not VGG weights of `config`'s architecture (see
    /// [`VggConfig::load`]).
    pub fn load(&self, config: &VggConfig, device: &Device) -> Result<Vgg, ImpastoError> {
        match self.resolve()? {
            None => Ok(config.try_init(device)?),
            Some(path) => Ok(config.load(path, device)?),
        }
    }
}

/// The network a run uses, decided from what was stated and what the weights file tells
/// (see [`WeightsSource::choose_network`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkChoice {
    /// VGG16 or VGG19.
    pub architecture: VggArchitecture,
    /// The input convention of the weights.
    pub input: InputConvention,
    /// How `input` was decided.
    pub input_from: ConventionSource,
}

impl NetworkChoice {
    /// Whether the input convention was assumed: nothing stated it and the file could
    /// not tell (then a user should be told).
    pub fn input_assumed(&self) -> bool {
        self.input_from == ConventionSource::Assumed
    }
}

/// How a network's input convention was decided. Its text (`stated`, `random weights`,
/// the file's evidence, `assumed`) is the report's `input_convention_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConventionSource {
    /// Stated by the caller (`--preprocess`).
    Stated,
    /// Random weights, which take the stated convention or torchvision's.
    RandomWeights,
    /// Told by the weights file: its published name or its metadata, as said here.
    File(String),
    /// Nothing told: torchvision's, assumed.
    Assumed,
}

impl fmt::Display for ConventionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConventionSource::Stated => f.write_str("stated"),
            ConventionSource::RandomWeights => f.write_str("random weights"),
            ConventionSource::File(evidence) => f.write_str(evidence),
            ConventionSource::Assumed => f.write_str("assumed"),
        }
    }
}

impl WeightsSource {
    /// Decides the architecture and input convention of the network: a stated one wins
    /// and must agree with what the file tells; else the file's (its keys tell the
    /// architecture; a published file's name or a safetensors file's metadata tell the
    /// convention, see [`impasto_vgg::inspect_weights`]); else VGG16 and torchvision's
    /// convention, the latter recorded as [`ConventionSource::Assumed`]. Random weights are VGG16 unless
    /// stated, and take the stated convention or torchvision's.
    ///
    /// ```
    /// use impasto::WeightsSource;
    /// use impasto::vgg::{InputConvention, VggArchitecture};
    ///
    /// let choice = WeightsSource::Random.choose_network(Some(VggArchitecture::Vgg19), None)?;
    /// assert_eq!(choice.architecture, VggArchitecture::Vgg19);
    /// assert_eq!(choice.input, InputConvention::Torchvision);
    /// # Ok::<(), impasto::ImpastoError>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`resolve`](Self::resolve); [`ImpastoError::Vgg`] for a file that cannot
    /// be read, or ([`VggError::ArchitectureMismatch`],
    /// [`VggError::InputConventionMismatch`]) that contradicts what was stated.
    pub fn choose_network(
        &self,
        architecture: Option<VggArchitecture>,
        input: Option<InputConvention>,
    ) -> Result<NetworkChoice, ImpastoError> {
        let Some(path) = self.resolve()? else {
            return Ok(NetworkChoice {
                architecture: architecture.unwrap_or_default(),
                input: input.unwrap_or_default(),
                input_from: match input {
                    Some(_) => ConventionSource::Stated,
                    None => ConventionSource::RandomWeights,
                },
            });
        };
        let info = impasto_vgg::inspect_weights(&path)?;
        let architecture = match (architecture, info.architecture) {
            (Some(stated), Some(found)) if stated != found => {
                return Err(VggError::ArchitectureMismatch {
                    path,
                    stated,
                    found,
                }
                .into());
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => VggArchitecture::default(),
        };
        let (input, input_from) = match (input, info.input) {
            (Some(stated), Some((found, reason))) if stated != found => {
                return Err(VggError::InputConventionMismatch {
                    path,
                    stated,
                    found,
                    reason,
                }
                .into());
            }
            (Some(stated), _) => (stated, ConventionSource::Stated),
            (None, Some((found, reason))) => (found, ConventionSource::File(reason)),
            (None, None) => (InputConvention::default(), ConventionSource::Assumed),
        };
        Ok(NetworkChoice {
            architecture,
            input,
            input_from,
        })
    }
}

/// `Ok(Some(path))` if there is something at `path`, else [`WeightsError::NotFound`](crate::error::WeightsError::NotFound).
fn existing(path: &Path, hint: &str) -> Result<Option<PathBuf>, ImpastoError> {
    if path.exists() {
        Ok(Some(path.to_path_buf()))
    } else {
        Err(ImpastoError::Weights(
            crate::error::WeightsError::NotFound {
                path: path.to_path_buf(),
                hint: hint.to_owned(),
            },
        ))
    }
}

impl FromStr for WeightsSource {
    type Err = Infallible;

    /// `random` and `default` (exactly, lower case) are those sources; anything else is
    /// a path.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "random" => WeightsSource::Random,
            "default" => WeightsSource::Default,
            path => WeightsSource::Path(PathBuf::from(path)),
        })
    }
}

impl fmt::Display for WeightsSource {
    /// `random`, `default`, or the path (lossily, if it is not UTF-8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsSource::Default => f.write_str("default"),
            WeightsSource::Random => f.write_str("random"),
            WeightsSource::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests;
