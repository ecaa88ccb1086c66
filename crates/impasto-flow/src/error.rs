//! The crate's one error type.

use std::path::PathBuf;

use crate::flo_header::MAX_FLO_SIDE;

/// Everything that can go wrong in `impasto-flow`. Each variant says when it happens;
/// no function of the crate panics on user input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// Two images or fields that must have the same size do not (the two frames of a
    /// flow computation, a flow field and the image it warps, a forward and a backward
    /// flow, two fields compared by end-point error).
    #[error("size mismatch: {what} is {actual:?} (width, height) but {expected:?} was expected")]
    SizeMismatch {
        /// Which input has the wrong size.
        what: &'static str,
        /// The size it should have had.
        expected: (u32, u32),
        /// The size it has.
        actual: (u32, u32),
    },
    /// An image is empty or smaller than the method needs (for DIS: one patch at the
    /// finest scale; for the variational baseline: 2 × 2 pixels).
    #[error("{width}×{height} is too small: at least {min_width}×{min_height} pixels are needed")]
    TooSmall {
        /// The image's width.
        width: u32,
        /// The image's height.
        height: u32,
        /// The smallest width accepted.
        min_width: u32,
        /// The smallest height accepted.
        min_height: u32,
    },
    /// An input holds a NaN or an infinity (a flow vector, a frame's pixel, or a pixel so
    /// large that its luminance scaled to `[0, 255]` overflows).
    #[error("{what} holds a non-finite value at pixel ({x}, {y})")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The first offending pixel's column.
        x: u32,
        /// Its row.
        y: u32,
    },
    /// A configuration field is outside its documented range.
    #[error("invalid setting `{field}`: {reason}")]
    InvalidConfig {
        /// The field's name.
        field: &'static str,
        /// What its valid range is.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A `.flo` stream does not start with the magic number 202021.25.
    #[error("not a Middlebury .flo file: magic number {found} (202021.25 expected)")]
    BadMagic {
        /// The first four bytes read as a little-endian `f32`.
        found: f32,
    },
    /// A `.flo` stream ends before its header or its `width × height × 2` values do.
    #[error("truncated .flo data: {expected} bytes expected, {actual} found")]
    Truncated {
        /// Bytes the header promises (header included).
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A `.flo` header gives a width or height that is zero, negative or larger than
    /// [`crate::MAX_FLO_SIDE`].
    #[error("absurd .flo size {width}×{height} (each side must be 1..={max})", max = MAX_FLO_SIDE)]
    AbsurdSize {
        /// The header's width.
        width: i32,
        /// The header's height.
        height: i32,
    },
    /// A read or write on a caller's stream failed (no path involved).
    #[error("stream error: {0}")]
    Stream(#[from] std::io::Error),
}
