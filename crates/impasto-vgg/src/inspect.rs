//! What a weights file says about itself before it is loaded: its architecture (from its
//! keys) and, where it can tell, its input convention (a published file's name, or a
//! safetensors file's metadata).

use std::path::Path;

use crate::store::WeightsStore;
use crate::{InputConvention, VggArchitecture, VggError};

/// The published files whose architecture and input convention are known by name
/// (torch hub's names end in the first hex digits of the file's SHA-256).
///
/// The caffe files are the conversions jcjohnson's neural-style and neural-style-pt use
/// (`https://web.eecs.umich.edu/~justincj/models/<file>`).
pub const KNOWN_FILES: [(&str, VggArchitecture, InputConvention); 4] = [
    (
        "vgg16-397923af.pth",
        VggArchitecture::Vgg16,
        InputConvention::Torchvision,
    ),
    (
        "vgg19-dcbb9e9d.pth",
        VggArchitecture::Vgg19,
        InputConvention::Torchvision,
    ),
    (
        "vgg16-00b39a1b.pth",
        VggArchitecture::Vgg16,
        InputConvention::Caffe,
    ),
    (
        "vgg19-d01eb7cb.pth",
        VggArchitecture::Vgg19,
        InputConvention::Caffe,
    ),
];

/// The safetensors metadata key that records a file's input convention
/// (`"torchvision"` or `"caffe"`).
pub const INPUT_CONVENTION_METADATA: &str = "input_convention";

/// What [`inspect_weights`] finds in a weights file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightsInfo {
    /// The architecture its keys show: VGG19 has convolutions at `features.16` and
    /// `features.34`, VGG16 at `features.17`. `None` when the file holds only the first
    /// blocks, which the two architectures share.
    pub architecture: Option<VggArchitecture>,
    /// The input convention and how it is known, when the file tells: a published file
    /// by its name ([`KNOWN_FILES`]), or the safetensors metadata key
    /// [`INPUT_CONVENTION_METADATA`]. `None` otherwise: then the caller must state it.
    pub input: Option<(InputConvention, String)>,
}

/// Reads what `path` tells of itself without loading its tensors.
///
/// ```no_run
/// use impasto_vgg::{InputConvention, VggArchitecture, inspect_weights};
///
/// let info = inspect_weights("vgg19-d01eb7cb.pth")?;
/// assert_eq!(info.architecture, Some(VggArchitecture::Vgg19));
/// assert_eq!(info.input.map(|(c, _)| c), Some(InputConvention::Caffe));
/// # Ok::<(), impasto_vgg::VggError>(())
/// ```
///
/// # Errors
/// [`VggError::WeightsIo`] if the file cannot be read, [`VggError::WeightsFormat`] if it
/// is not a weights file, [`VggError::UnknownInputConvention`] if its metadata names no
/// convention.
pub fn inspect_weights(path: impl AsRef<Path>) -> Result<WeightsInfo, VggError> {
    let path = path.as_ref();
    inspect_store(path, &mut WeightsStore::open(path)?)
}

/// [`inspect_weights`] of a file already opened.
pub(crate) fn inspect_store(
    path: &Path,
    store: &mut WeightsStore,
) -> Result<WeightsInfo, VggError> {
    let mut has = |index: usize| {
        store
            .contains(&format!("features.{index}.weight"))
            .map_err(|reason| VggError::WeightsFormat {
                path: path.to_path_buf(),
                reason,
            })
    };
    let architecture = if has(16)? || has(34)? {
        Some(VggArchitecture::Vgg19)
    } else if has(17)? {
        Some(VggArchitecture::Vgg16)
    } else {
        None
    };
    let by_name = path.file_name().and_then(|name| {
        KNOWN_FILES
            .iter()
            .find(|(known, _, _)| name.eq_ignore_ascii_case(known))
    });
    let input = match (by_name, store.metadata(INPUT_CONVENTION_METADATA)) {
        (_, Some(value)) => Some((
            value.parse()?,
            format!("its metadata says `{INPUT_CONVENTION_METADATA}: {value}`"),
        )),
        (Some((name, _, convention)), None) => Some((
            *convention,
            format!("{name} is a published {convention} file"),
        )),
        (None, None) => None,
    };
    Ok(WeightsInfo {
        architecture,
        input,
    })
}
