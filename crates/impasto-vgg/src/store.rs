//! The container a weights file is in (a PyTorch checkpoint or a safetensors file),
//! opened through burn's stores; shared by [`inspect_weights`](crate::inspect_weights),
//! which reads what the file says of itself, and [`VggConfig::load`](crate::VggConfig::load),
//! which reads its tensors.

use std::collections::BTreeMap;
use std::path::Path;

use burn::store::{ModuleStore, PytorchStore, SafetensorsStore, bridge};
use burn::tensor::{DType, TensorData};

use crate::VggError;

/// The container a weights file is in, from its extension and first bytes.
pub(crate) enum WeightsStore {
    Pytorch(PytorchStore),
    /// The store, and the file's `__metadata__` (empty when it has none).
    Safetensors(SafetensorsStore, BTreeMap<String, String>),
}

impl WeightsStore {
    pub(crate) fn open(path: &Path) -> Result<Self, VggError> {
        let io_error = |source| VggError::WeightsIo {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io_error)?;
        if metadata.is_dir() {
            return Err(io_error(std::io::Error::other("it is a directory")));
        }
        let by_extension = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("safetensors"));
        Ok(if by_extension || looks_like_safetensors(path) {
            WeightsStore::Safetensors(
                SafetensorsStore::from_file(path).map_indices_contiguous(false),
                safetensors_metadata(path),
            )
        } else {
            // burn renumbers `features.0, .2, .5` to `0, 1, 2` by default, for models
            // whose Vec holds only the layers with weights; our keys keep torchvision's
            // numbering, which is what says where each convolution sits.
            WeightsStore::Pytorch(PytorchStore::from_file(path).map_indices_contiguous(false))
        })
    }

    /// The tensor stored under `key`, read from the file, or `None` if there is none.
    pub(crate) fn read(&mut self, key: &str) -> Result<Option<(TensorData, DType)>, String> {
        let tensor = match self {
            WeightsStore::Pytorch(store) => store.get_tensor(key).map_err(|e| e.to_string())?,
            WeightsStore::Safetensors(store, _) => {
                store.get_tensor(key).map_err(|e| e.to_string())?
            }
        };
        let Some(tensor) = tensor else {
            return Ok(None);
        };
        let dtype = tensor.dtype;
        bridge::to_data(tensor)
            .map(|data| Some((data, dtype)))
            .map_err(|e| format!("cannot read tensor `{key}`: {e}"))
    }
}

impl WeightsStore {
    /// Whether the file has a tensor under `key` (its data is not read).
    pub(crate) fn contains(&mut self, key: &str) -> Result<bool, String> {
        Ok(match self {
            WeightsStore::Pytorch(store) => store.get_tensor(key).map_err(|e| e.to_string())?,
            WeightsStore::Safetensors(store, _) => {
                store.get_tensor(key).map_err(|e| e.to_string())?
            }
        }
        .is_some())
    }

    /// The value of a safetensors file's `__metadata__` entry `key`.
    pub(crate) fn metadata(&self, key: &str) -> Option<&str> {
        match self {
            WeightsStore::Pytorch(_) => None,
            WeightsStore::Safetensors(_, metadata) => metadata.get(key).map(String::as_str),
        }
    }
}

/// A safetensors file's `__metadata__` (string to string, by the format's definition);
/// empty if the header cannot be read, which the store then reports when it is read.
fn safetensors_metadata(path: &Path) -> BTreeMap<String, String> {
    use std::io::Read;
    let read = || -> Option<BTreeMap<String, String>> {
        let mut file = std::fs::File::open(path).ok()?;
        let mut len = [0u8; 8];
        file.read_exact(&mut len).ok()?;
        let len = u64::from_le_bytes(len);
        // The format caps the header at 100 MB.
        if len > 100_000_000 || len > file.metadata().ok()?.len() {
            return None;
        }
        let mut header = vec![0u8; len as usize];
        file.read_exact(&mut header).ok()?;
        let mut header: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&header).ok()?;
        serde_json::from_value(header.remove("__metadata__")?).ok()
    };
    read().unwrap_or_default()
}

/// A safetensors file opens with the little-endian length of a JSON header, then `{`.
fn looks_like_safetensors(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 9];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    if file.read_exact(&mut head).is_err() {
        return false;
    }
    let header_len = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    head[8] == b'{' && header_len > 1 && header_len < file_len
}
