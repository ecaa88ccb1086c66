//! Choosing the device, and so the backend, a computation runs on.
//!
//! burn 0.22 has no backend type parameter: a tensor runs on the backend of its
//! [`Device`]. This module turns a backend's name into a device, for the backends this
//! build was compiled with (cargo features of the `impasto` package), and picks one
//! when the user leaves the choice to impasto ([`Backend::auto`]).

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
    /// (cargo feature `wgpu`, opt-in: the GPU stack makes a build 2.5 times as long).
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
    /// [`BackendError::NotCompiled`](crate::error::BackendError::NotCompiled) if this
    /// build does not include the backend.
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
            backend => Err(ImpastoError::Backend(
                crate::error::BackendError::NotCompiled {
                    backend: backend.name(),
                    feature: backend.feature(),
                },
            )),
        }
    }
}

impl Backend {
    /// The backend to use when the user does not choose: [`Backend::Wgpu`] if this build
    /// has it and the machine has a real GPU (a discrete, integrated or virtual adapter;
    /// a software rasteriser such as Mesa's lavapipe does not count, flex is much faster
    /// on the CPU), else [`Backend::Flex`] (or, in a build without flex, the first enabled
    /// backend).
    ///
    /// Looking for a GPU creates a wgpu instance and lists its adapters: a fraction of a
    /// second, and nothing is initialised on the GPU. On Linux, a machine without GPU
    /// device files (`/dev/dri/renderD*`, `/dev/nvidia*`, WSL's `/dev/dxg`) is known to
    /// have none without asking wgpu (whose Vulkan layers may print warnings on headless
    /// machines).
    ///
    /// ```
    /// use impasto::Backend;
    /// let backend = Backend::auto();
    /// assert!(backend.is_enabled());
    /// ```
    pub fn auto() -> Backend {
        if Backend::Wgpu.is_enabled() && gpu_adapter().is_some() {
            return Backend::Wgpu;
        }
        [Backend::Flex, Backend::NdArray, Backend::Wgpu]
            .into_iter()
            .find(|b| b.is_enabled())
            .unwrap_or(Backend::Flex)
    }
}

/// The name of the first hardware GPU adapter wgpu finds (software adapters, whose
/// device type is `Cpu`, are skipped); `None` if there is none or this build has no
/// wgpu.
pub(crate) fn gpu_adapter() -> Option<String> {
    #[cfg(feature = "wgpu")]
    {
        use wgpu::{Backends, DeviceType, Instance, InstanceDescriptor};

        if !may_have_gpu() || Instance::enabled_backend_features().is_empty() {
            return None;
        }
        let instance = Instance::new(InstanceDescriptor {
            backends: Backends::PRIMARY,
            ..InstanceDescriptor::new_without_display_handle()
        });
        block_on(instance.enumerate_adapters(Backends::PRIMARY))
            .into_iter()
            .map(|adapter| adapter.get_info())
            .find(|info| {
                matches!(
                    info.device_type,
                    DeviceType::DiscreteGpu | DeviceType::IntegratedGpu | DeviceType::VirtualGpu
                )
            })
            .map(|info| info.name)
    }
    #[cfg(not(feature = "wgpu"))]
    None
}

impl Backend {
    /// Whether this machine seems to have a GPU that this build cannot use: the build has
    /// no `wgpu` feature and, on Linux, a GPU device file exists (elsewhere, always, as
    /// there is no cheap way to tell). The CLI says so when `--backend auto` falls back
    /// to the CPU, so that a user with a GPU learns to build with `--features wgpu`.
    ///
    /// ```
    /// use impasto::Backend;
    /// if Backend::Wgpu.is_enabled() {
    ///     assert!(!Backend::gpu_not_compiled());
    /// }
    /// ```
    pub fn gpu_not_compiled() -> bool {
        !Backend::Wgpu.is_enabled() && may_have_gpu()
    }
}

/// Whether this machine may have a hardware GPU: on Linux, whether any GPU device file
/// exists (a render node, NVIDIA's devices, WSL's GPU); elsewhere, always.
fn may_have_gpu() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let render_node = std::fs::read_dir("/dev/dri").is_ok_and(|mut entries| {
        entries.any(|entry| {
            entry.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
    });
    render_node
        || std::path::Path::new("/dev/nvidia0").exists()
        || std::path::Path::new("/dev/dxg").exists()
}

/// Runs a future to completion on this thread. wgpu's native futures are ready at once;
/// the loop only yields in case one is not.
#[cfg(feature = "wgpu")]
fn block_on<F: core::future::Future>(future: F) -> F::Output {
    use core::task::{Context, Poll, Waker};

    let mut future = core::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::yield_now(),
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
            .ok_or_else(|| {
                ImpastoError::Backend(crate::error::BackendError::Unknown {
                    name: s.to_string(),
                })
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
            "metal".parse::<Backend>(),
            Err(ImpastoError::Backend(
                crate::error::BackendError::Unknown { .. }
            ))
        ));
    }

    #[test]
    fn auto_picks_an_enabled_backend() {
        let backend = Backend::auto();
        assert!(backend.is_enabled(), "{backend}");
        // A GPU only counts if wgpu finds a hardware adapter (not lavapipe).
        if backend == Backend::Wgpu {
            assert!(gpu_adapter().is_some());
        }
    }

    #[test]
    fn a_backend_left_out_names_its_feature() {
        for backend in Backend::ALL.into_iter().filter(|b| !b.is_enabled()) {
            let message = backend.device().unwrap_err().to_string();
            assert!(message.contains(backend.feature()), "{message}");
        }
    }
}
