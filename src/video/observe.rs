//! What a video's observer sees: each iteration, each finished frame, each write.

use std::path::Path;

use impasto_optim::Control;

use super::report::FrameRecord;
use crate::ImpastoError;
use crate::transfer::Progress;

/// What a frame's iteration is part of.
#[derive(Debug, Clone, Copy)]
pub struct FrameProgress {
    /// The frame's position in the sequence, from 0.
    pub position: usize,
    /// How many frames the sequence has.
    pub frames: usize,
}

/// Watches a [`VideoTransfer`](super::VideoTransfer) run and writes its files. Every method has a default, and
/// `()` is an observer that watches nothing.
pub trait VideoObserver {
    /// One iteration of a frame's transfer. [`Control::Stop`] abandons the frame (it is
    /// not written, so a resumed run computes it again) and ends the run.
    fn iteration(&mut self, frame: FrameProgress, progress: &Progress<'_>) -> Control {
        let _ = (frame, progress);
        Control::Continue
    }

    /// A frame finished (written, or skipped), with its record. [`Control::Stop`] ends
    /// the run here; a resumed run goes on from the next frame.
    fn frame_done(&mut self, frame: FrameProgress, record: &FrameRecord) -> Control {
        let _ = (frame, record);
        Control::Continue
    }

    /// Writes `path` by calling `write` (which writes it atomically). The command wraps
    /// this so that a second Ctrl-C waits for a write in progress.
    ///
    /// # Errors
    /// `write`'s.
    fn write(
        &mut self,
        path: &Path,
        write: &mut dyn FnMut() -> Result<(), ImpastoError>,
    ) -> Result<(), ImpastoError> {
        let _ = path;
        write()
    }
}

impl VideoObserver for () {}
