//! The constants of a Middlebury `.flo` header, apart from the reader and writer (`flo`)
//! so that [`FlowError`](crate::FlowError)'s message can name the bound without the error
//! depending on the code that returns it.

/// The magic number every `.flo` file starts with (the bytes "PIEH").
pub const FLO_MAGIC: f32 = 202021.25;

/// The largest width or height a `.flo` header may give (the Middlebury reference
/// code's sanity bound).
pub const MAX_FLO_SIDE: i32 = 99_999;
