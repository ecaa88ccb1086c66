//! Video: stylise a sequence of frames with temporal consistency (Ruder, Dosovitskiy &
//! Brox, *Artistic style transfer for videos*, GCPR 2016). docs/video.md has the method
//! and the command.

mod frames;
mod observe;
mod report;
mod run;
mod video_transfer;

pub use frames::{FramePattern, FrameSequence};
pub use observe::{FrameProgress, VideoObserver};
pub use report::{FrameRecord, VideoConfigReport, VideoReport};
pub use video_transfer::{DEFAULT_FRAME_ITERATIONS, VideoTransfer};
