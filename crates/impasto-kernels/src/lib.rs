//! impasto's CPU kernels on burn-flex: VGG's 3×3 convolution (with its ReLU fused when
//! asked), its 2×2 max-pool, and the Gram matrix of the style loss.
//!
//! Each is a burn *backend extension* (`#[backend_extension(Flex, Autodiff)]`): one
//! operation on flex's tensors, and on `Autodiff<Flex>` one node whose backward computes
//! the input gradient only (VGG's weights are frozen). The public functions take burn
//! tensors on any device and run the kernel only where it applies, a flex device and
//! `f32`; everything else takes burn's own operations, to the same results up to float
//! rounding (the tests hold them to it). impasto-vgg and impasto-loss call them under their
//! `flex` feature; a GPU-only build does not compile this crate.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//!
//! let x = Tensor::<4>::ones([1, 2, 4, 4], &Device::flex());
//! assert_eq!(impasto_kernels::max_pool2x2(x).dims(), [1, 2, 2, 2]);
//! ```
//!
//! # Inside
//!
//! | module | what |
//! |---|---|
//! | `conv3x3` | im2col by tiles of output rows, one gemm per tile straight into the output; forward and input gradient |
//! | `winograd` | Winograd F(4×4, 3×3) and F(2×2, 3×3): 36 or 16 gemm products over transformed tiles, 4× or 2.25× fewer multiply-adds; for 16+ input channels and 8+ pixels, the larger tile from 24 × 24 |
//! | `filter_cache` | Winograd's transformed filters, kept while their weight tensor lives |
//! | `max_pool` | 2×2 max-pool; backward from the input, no indices |
//! | `gram` | `F·Fᵀ` with the sum split over threads; backward `(dG + dGᵀ)·F` |
//! | `extension` | the backend extension: forwards on flex, input-only backwards on autodiff |
//! | `matrix` | strided matrix views over slices and the one safe wrapper of `gemm::gemm` |
//! | `memory` | [`reuse_freed_memory`]: glibc's allocator told to keep freed buffers, for binaries |
//!
//! # Unsafe code
//!
//! Denied in the workspace and allowed here on five items, each unsafe block with its
//! `// SAFETY:` reasoning: `matrix::gemm`, the one call of gemm's raw-pointer entry point
//! (behind views whose bounds and strides were checked when they were made); the matrix
//! view that lets threads write disjoint blocks of one output (`MatMut`'s `Send` and its
//! `row_mut`); `winograd::conv3x3_winograd`, whose output is written once into
//! uninitialised capacity and then given its length; and `memory::reuse_freed_memory`,
//! the call of glibc's `mallopt`.

mod api;
mod conv3x3;
mod extension;
mod filter_cache;
mod flex;
mod gram;
mod matrix;
mod max_pool;
mod memory;
mod scratch;
#[cfg(test)]
mod test_support;
mod winograd;

pub use api::{conv_forward, conv_relu_forward, conv_relu_max_pool_forward, gram, max_pool2x2};
pub use memory::reuse_freed_memory;
