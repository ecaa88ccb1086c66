//! Choosing the device, and so the backend, a computation runs on.
//!
//! burn 0.22 has no backend type parameter: a tensor runs on the backend of its
//! [`Device`]. This module turns a backend's name into a device, for the backends this
//! build was compiled with (cargo features of the `impasto` package).

use core::fmt;
use core::str::FromStr;

use burn::tensor::Device;

use crate::ImpastoError;

/// A compute backend of burn that impasto can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// burn-flex, burn's fast pure-Rust CPU backend: the default CPU device
    /// (cargo feature `flex`, on by default).
    Flex,
    /// burn-ndarray: supported and tested, but deprecated by burn and about 80× slower
    /// than flex on this workload (cargo feature `ndarray`, opt-in).
    NdArray,
    /// A GPU through wgpu with WGSL shaders: Vulkan, Metal or DX12
    /// (cargo feature `wgpu`, on by default).
    Wgpu,
}

impl Backend {
    /// Every backend, enabled or not.
    pub const ALL: [Backend; 3] = [Backend::Flex, Backend::NdArray, Backend::Wgpu];

    /// The backend's name, as accepted by [`FromStr`]: `flex`, `ndarray`, `wgpu`.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
            Backend::Wgpu => "wgpu",
        }
    }

    /// The cargo feature of `impasto` that compiles the backend in.
    pub const fn feature(self) -> &'static str {
        self.name()
    }

    /// Whether this build includes the backend.
    pub const fn is_enabled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::NdArray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The backends this build includes.
    ///
    /// ```
    /// use impasto::Backend;
    /// assert!(Backend::enabled().contains(&Backend::Flex)); // a default feature
    /// ```
    pub fn enabled() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_enabled())
            .collect()
    }

    /// The backend's default device (without autodiff; call `.autodiff()` on it to
    /// differentiate). For wgpu, the adapter wgpu prefers (a discrete GPU first); the
    /// device initialises lazily, on its first tensor.
    ///
    /// ```
    /// use impasto::Backend;
    /// let device = Backend::Flex.device()?;
    /// # Ok::<(), impasto::ImpastoError>(())
    /// ```
    ///
    /// # Errors
    /// [`ImpastoError::BackendNotCompiled`] if this build does not include the backend.
    pub fn device(self) -> Result<Device, ImpastoError> {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)] // burn deprecates ndarray; impasto keeps supporting it
            Backend::NdArray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)] // reachable when a feature is off
            backend => Err(ImpastoError::BackendNotCompiled {
                backend: backend.name(),
                feature: backend.feature(),
            }),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = ImpastoError;

    /// Parses `flex`, `ndarray` or `wgpu` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == wanted)
            .ok_or_else(|| ImpastoError::UnknownBackend {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for backend in Backend::ALL {
            assert_eq!(backend.name().parse::<Backend>().unwrap(), backend);
        }
        assert!(matches!(
            "cuda".parse::<Backend>(),
            Err(ImpastoError::UnknownBackend { .. })
        ));
    }

    #[test]
    fn a_backend_left_out_names_its_feature() {
        for backend in Backend::ALL.into_iter().filter(|b| !b.is_enabled()) {
            let message = backend.device().unwrap_err().to_string();
            assert!(message.contains(backend.feature()), "{message}");
        }
    }
}
