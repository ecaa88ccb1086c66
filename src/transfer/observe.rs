//! Watching a run: each iteration's record, the image at that point on request, and a way
//! to stop.

use burn::tensor::Tensor;
use image::{Rgb32FImage, RgbImage};
use impasto_optim::Control;

use crate::colors::result_image;
use crate::report::IterationReport;
use crate::tensor_to_float_image;

/// One iteration of a run, as a [`TransferObserver`] sees it.
pub struct Progress<'a> {
    pub(super) record: &'a IterationReport,
    pub(super) iterate: &'a Tensor<4>,
    pub(super) max_iterations: usize,
    /// The content image (on the run's device) when the result keeps its colours.
    pub(super) original_colors: Option<&'a Tensor<4>>,
}

impl Progress<'_> {
    /// The iteration's record (losses, gradient norm, step, time), as the report holds it.
    pub fn record(&self) -> &IterationReport {
        self.record
    }

    /// The run's iteration limit.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }

    /// The image at this iteration, as the run would save it (clamped to `[0, 1]`,
    /// original colours applied if asked for). Reads the image back from the device: call
    /// it only for the iterations you keep.
    pub fn image(&self) -> RgbImage {
        result_image(self.iterate.clone(), self.original_colors)
    }

    /// The image at this iteration as the optimizer holds it: float RGB, not clamped
    /// (with [`PixelBounds::None`](super::PixelBounds::None) L-BFGS's iterates can leave
    /// `[0, 1]`; within the default box they cannot) and without original colours. What
    /// [`image`](Self::image) clamps to save (`benches/tools/range.rs` measures what that
    /// costs). Reads the image back from the device.
    pub fn pixels(&self) -> Rgb32FImage {
        tensor_to_float_image(self.iterate.clone())
    }
}

/// Called once per iteration of [`StyleTransfer::run`](crate::StyleTransfer::run), the
/// initial image's evaluation (record 0) included.
///
/// Closures `FnMut(&Progress) -> Control` are observers, and `()` watches nothing.
///
/// ```
/// use impasto::transfer::Progress;
/// use impasto::optim::Control;
///
/// // The paper's log lines; stop once the loss is small.
/// let mut observer = |p: &Progress| {
///     println!("iter = {} loss = {:.4}", p.record().iteration, p.record().loss);
///     if p.record().loss < 1e-3 { Control::Stop } else { Control::Continue }
/// };
/// # let _ = &mut observer;
/// ```
pub trait TransferObserver {
    /// Sees one iteration; returns whether the run goes on.
    fn observe(&mut self, progress: &Progress<'_>) -> Control;
}

impl TransferObserver for () {
    fn observe(&mut self, _progress: &Progress<'_>) -> Control {
        Control::Continue
    }
}

impl<F> TransferObserver for F
where
    F: FnMut(&Progress<'_>) -> Control,
{
    fn observe(&mut self, progress: &Progress<'_>) -> Control {
        self(progress)
    }
}
