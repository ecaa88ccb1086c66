//! One video run: the frames checked, then each frame in order — skipped when its output
//! exists, else stylised from the previous result warped by the optical flow, with the
//! temporal term — and the report rewritten after each.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use image::{Rgb32FImage, RgbImage};
use impasto_flow::{DisConfig, consistency_masks, warp};
use impasto_optim::Control;

use super::{
    FrameProgress, FrameRecord, VideoConfigReport, VideoObserver, VideoReport, VideoTransfer,
};
use crate::transfer::run::run_with_network;
use crate::transfer::{NetworkCache, Stage};
use crate::weights::NetworkChoice;
use crate::{
    ImageInput, ImpastoError, Init, Progress, Schedule, StyleTransfer, TemporalTerm,
    TransferOutput, fit_longest_side, load_image, resize_longest_side, save_image,
};

/// The previous frame, at the run's size, and its stylised result.
struct Previous {
    frame: Rgb32FImage,
    result: Stylised,
}

/// A stylised frame: computed in this run, or an existing output read back when needed
/// (a resumed run reads only the last skipped frame's).
enum Stylised {
    Image(Rgb32FImage),
    File(PathBuf),
}

fn run(
    video: &VideoTransfer,
    device: &Device,
    observer: &mut impl VideoObserver,
) -> Result<VideoReport, ImpastoError> {
    let started = Instant::now();
    video.validate()?;
    let frames = &video.frames;
    let count = frames.len();
    let header = check_frames(video)?;
    let template = &video.template;
    let size = template.schedule.size();
    let image_size = fit_longest_side(header.0, header.1, size);
    let first_transfer = first_frame(video);
    first_transfer.validate()?;
    let styles = template
        .styles
        .iter()
        .map(ImageInput::load)
        .collect::<Result<Vec<_>, _>>()?;
    let mut report = VideoReport {
        impasto_version: env!("CARGO_PKG_VERSION").to_string(),
        config: config_report(
            video,
            &first_transfer,
            image_size,
            video.written_positions()?,
        ),
        frames: Vec::with_capacity(count),
        stopped: false,
        duration_ms: 0.0,
    };

    // Built when the first frame to compute needs it: a resumed, finished video loads
    // no weights.
    let mut cache = NetworkCache::new();
    let mut loaded_size = None;
    let mut network: Option<NetworkChoice> = None;
    let mut previous: Option<Previous> = None;
    let (first, last) = video.written_positions()?;
    // A segment's lead-in runs only when its first frame is still to compute: a resumed
    // segment goes on from its own last written frame, as a resumed whole video does.
    let from = if video.output_path(first).is_file() {
        first
    } else {
        first.saturating_sub(video.lead_in)
    };
    for position in from..=last {
        let lead_in = position < first;
        let frame_started = Instant::now();
        let input = frames.path(position);
        let output = video.output_path(position);
        let frame = load_image(&input)?;
        // After EXIF orientation, against the first frame as loaded.
        let loaded = *loaded_size.get_or_insert(frame.dimensions());
        if frame.dimensions() != loaded {
            return Err(frame_size(input, loaded, frame.dimensions()));
        }
        let frame = resize_longest_side(frame, size);
        let mut record = FrameRecord {
            index: frames.index(position),
            input: input.display().to_string(),
            output: output.display().to_string(),
            skipped: false,
            iterations: 0,
            evaluations: 0,
            initial_loss: None,
            loss: None,
            content: None,
            style: None,
            tv: None,
            temporal: None,
            temporal_weight: None,
            reliable_fraction: None,
            termination: None,
            seconds: 0.0,
            memory: None,
            peak_memory_bytes: None,
        };
        if output.is_file() && !lead_in {
            record.skipped = true;
            record.seconds = frame_started.elapsed().as_secs_f64();
            previous = Some(Previous {
                frame,
                result: Stylised::File(output),
            });
        } else {
            let mut transfer = match previous.take() {
                None => first_transfer.clone(),
                Some(previous) => {
                    let result = match previous.result {
                        Stylised::Image(image) => image,
                        Stylised::File(path) => read_back(&path, frame.dimensions())?,
                    };
                    let (transfer, reliable) = next_frame(video, &frame, &previous.frame, &result)?;
                    record.reliable_fraction = Some(reliable);
                    transfer
                }
            };
            transfer.content = Some(ImageInput::from(frame.clone()));
            // The frames share the template's network: its weights file's header is read
            // for the first frame computed only.
            let plan = match &network {
                Some(chosen) => transfer.plan_on(chosen.clone())?,
                None => transfer.plan()?,
            };
            network.get_or_insert_with(|| plan.network.clone());
            let vgg = cache.network(&transfer, &plan, device)?;
            let mut abandoned = false;
            let progress = FrameProgress {
                position,
                frames: count,
            };
            let mut watch = |p: &Progress<'_>| {
                let control = observer.iteration(progress, p);
                abandoned |= control == Control::Stop;
                control
            };
            let result = run_with_network(
                &transfer,
                &plan,
                (Some(frame.clone()), styles.clone()),
                vgg,
                Instant::now(),
                device,
                &mut watch,
            )?;
            if abandoned {
                report.stopped = true;
                break;
            }
            if lead_in {
                // Not written, not recorded: only the next frame's previous result.
                previous = Some(Previous {
                    frame,
                    result: Stylised::Image(to_f32(&result.image)),
                });
                continue;
            }
            observer.write(&output, &mut || save_image(&result.image, &output))?;
            fill(&mut record, &result);
            record.seconds = frame_started.elapsed().as_secs_f64();
            // The next frame starts from what was written (8-bit), exactly as a resumed
            // run reading this file back would.
            previous = Some(Previous {
                frame,
                result: Stylised::Image(to_f32(&result.image)),
            });
        }
        report.frames.push(record);
        report.duration_ms = started.elapsed().as_secs_f64() * 1e3;
        save_report(video, &report, observer)?;
        let record = report.frames.last().expect("a record was just pushed");
        let progress = FrameProgress {
            position,
            frames: count,
        };
        if observer.frame_done(progress, record) == Control::Stop && position < last {
            report.stopped = true;
            break;
        }
    }
    report.duration_ms = started.elapsed().as_secs_f64() * 1e3;
    save_report(video, &report, observer)?;
    Ok(report)
}

/// Every frame's size from its header, before any work: a wrong frame late in a long
/// sequence is found now, not after hours. The first frame's `(width, height)`.
pub(super) fn check_frames(video: &VideoTransfer) -> Result<(u32, u32), ImpastoError> {
    let frames = &video.frames;
    let header = header_dimensions(&frames.path(0))?;
    for position in 1..frames.len() {
        let path = frames.path(position);
        let actual = header_dimensions(&path)?;
        if actual != header {
            return Err(frame_size(path, header, actual));
        }
    }
    Ok(header)
}

/// The first frame's transfer: the template's stages, or one of `iterations_first`.
pub(super) fn first_frame(video: &VideoTransfer) -> StyleTransfer {
    let template = video.template.clone();
    match video.iterations_first {
        Some(iterations) => {
            let size = template.schedule.size();
            template.with_schedule(Schedule::single(size, iterations))
        }
        None => template,
    }
}

/// A later frame's transfer, and the fraction of its pixels the flow is reliable at.
///
/// Flow directions: to bring the previous result into this frame, each pixel `x` of
/// this frame needs where it was in the previous one, `x + w(x)` with `w` the flow from
/// this frame to the previous (the backward flow); the previous-to-this flow is only
/// used to check it (Ruder et al. §3.2). Both on the content frames at the run's size.
fn next_frame(
    video: &VideoTransfer,
    frame: &Rgb32FImage,
    previous_frame: &Rgb32FImage,
    previous_result: &Rgb32FImage,
) -> Result<(StyleTransfer, f64), ImpastoError> {
    let flow: &DisConfig = &video.flow;
    let backward = flow.compute(frame, previous_frame)?;
    let forward = flow.compute(previous_frame, frame)?;
    let masks = consistency_masks(&backward, &forward)?;
    let warped = warp(previous_result, &backward)?;
    // The start: the warped result, except where the content was hidden in the previous
    // frame (disoccluded, or come in from outside it), where the frame itself is the best
    // guess. Motion boundaries keep the warped pixels: the flow there is only uncertain,
    // so the temporal term ignores them but the start may as well use them.
    let width = frame.width() as usize;
    let start = Rgb32FImage::from_fn(frame.width(), frame.height(), |x, y| {
        if masks.occluded[y as usize * width + x as usize] {
            *frame.get_pixel(x, y)
        } else {
            *warped.image.get_pixel(x, y)
        }
    });
    let reliable =
        masks.weight.iter().map(|&c| f64::from(c)).sum::<f64>() / masks.weight.len().max(1) as f64;
    let term = TemporalTerm::new(warped.image, masks.weight, video.temporal_weight)?;
    let template = video.template.clone();
    let size = template.schedule.size();
    let transfer = template
        .with_schedule(Schedule::single(size, video.iterations))
        .with_init(Init::Image(ImageInput::from(start)))
        .with_temporal(Some(term));
    Ok((transfer, reliable))
}

/// The record's numbers from a frame's run: the best point of its last stage.
fn fill(record: &mut FrameRecord, result: &TransferOutput) {
    let report = &result.report;
    let best = report.best_record();
    record.iterations = report.records.last().map_or(0, |r| r.iteration);
    record.evaluations = report.evaluations;
    record.initial_loss = report.records.first().map(|r| r.loss);
    record.loss = best.map(|r| r.loss);
    record.content = best.map(|r| r.content);
    record.style = best.map(|r| r.style);
    record.tv = best.map(|r| r.tv);
    record.temporal = best.map(|r| r.temporal);
    record.temporal_weight = report.config.temporal_weight;
    record.termination = Some(report.termination.clone());
    let last = report.config.stages.last();
    record.memory = last.and_then(|stage| stage.memory.clone());
    record.peak_memory_bytes = last.and_then(|stage| stage.peak_memory_bytes);
}

fn save_report(
    video: &VideoTransfer,
    report: &VideoReport,
    observer: &mut impl VideoObserver,
) -> Result<(), ImpastoError> {
    match &video.report {
        Some(path) => observer.write(path, &mut || report.save(path)),
        None => Ok(()),
    }
}

fn config_report(
    video: &VideoTransfer,
    first: &StyleTransfer,
    (width, height): (u32, u32),
    written: (usize, usize),
) -> VideoConfigReport {
    let t = &video.template;
    let flow = &video.flow;
    VideoConfigReport {
        frames: video.frames.pattern().to_string(),
        output: video.output.to_string(),
        first_index: video.frames.index(written.0),
        frame_count: written.1 + 1 - written.0,
        styles: t.styles.iter().map(ToString::to_string).collect(),
        weights: t.weights.to_string(),
        random_weights: t.weights.is_random(),
        size: t.schedule.size(),
        image_size: [width, height],
        iterations_first: first.stages().iter().map(|s| s.iterations).collect(),
        iterations: video.iterations,
        temporal_weight: video.temporal_weight,
        temporal_weight_relative: t.loss_weights.is_balanced(),
        flow: format!(
            "DIS: {}-px patches every {} px, finest scale {}, {} Gauss-Newton iterations",
            flow.patch_size, flow.patch_stride, flow.finest_scale, flow.gradient_descent_iterations
        ),
        seed: t.seed,
        max_memory_bytes: first.memory_budget(),
    }
}

/// A frame's `(width, height)` from its header (no decoding).
fn header_dimensions(path: &Path) -> Result<(u32, u32), ImpastoError> {
    let read = |source| {
        ImpastoError::Image(crate::error::ImageError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    image::ImageReader::open(path)
        .map_err(read)?
        .with_guessed_format()
        .map_err(read)?
        .into_dimensions()
        .map_err(|e| {
            ImpastoError::Image(crate::error::ImageError::Decode {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        })
}

fn frame_size(path: PathBuf, expected: (u32, u32), actual: (u32, u32)) -> ImpastoError {
    ImpastoError::Video(crate::error::VideoError::FrameSize {
        path,
        expected,
        actual,
    })
}

/// An existing output frame, read back as the previous result of the next frame.
fn read_back(path: &Path, expected: (u32, u32)) -> Result<Rgb32FImage, ImpastoError> {
    let image = load_image(path)?;
    if image.dimensions() != expected {
        return Err(ImpastoError::Video(
            crate::error::VideoError::ExistingOutputSize {
                path: path.to_path_buf(),
                expected,
                actual: image.dimensions(),
            },
        ));
    }
    Ok(image)
}

fn to_f32(image: &RgbImage) -> Rgb32FImage {
    Rgb32FImage::from_fn(image.width(), image.height(), |x, y| {
        image::Rgb(image.get_pixel(x, y).0.map(|c| f32::from(c) / 255.0))
    })
}

impl VideoTransfer {
    /// The first frame's stages: the transfer's, or one of
    /// [`with_iterations_first`](Self::with_iterations_first) at the frame size.
    pub fn first_stages(&self) -> Vec<Stage> {
        first_frame(self).stages()
    }

    /// Checks that every frame can be read and has the first frame's size, from the
    /// files' headers (fast: nothing is decoded); [`run`](Self::run) does it first.
    /// Returns the frames' `(width, height)`.
    ///
    /// # Errors
    /// [`VideoError::FrameSize`](crate::error::VideoError::FrameSize), [`ImageError::Read`](crate::error::ImageError::Read),
    /// [`ImageError::Decode`](crate::error::ImageError::Decode).
    pub fn check_frames(&self) -> Result<(u32, u32), ImpastoError> {
        check_frames(self)
    }

    /// Stylises the frames in order on `device`, skipping those whose output exists,
    /// and returns the report (also written after each frame with
    /// [`with_report`](Self::with_report)). `observer` sees every iteration and every
    /// finished frame, and writes the files. With [`with_range`](Self::with_range), only
    /// the range's frames are written and recorded (its lead-in frames are stylised
    /// first, seen by `observer.iteration` only).
    ///
    /// # Errors
    /// Those of [`validate`](Self::validate); [`VideoError::FrameSize`](crate::error::VideoError::FrameSize) for a frame not
    /// the first one's size (all are checked before any work);
    /// [`VideoError::ExistingOutputSize`](crate::error::VideoError::ExistingOutputSize) for an existing output of another size;
    /// [`ImpastoError::Flow`] for frames too small for the flow; [`StyleTransfer::run`]'s.
    pub fn run(
        &self,
        device: &Device,
        observer: &mut impl VideoObserver,
    ) -> Result<VideoReport, ImpastoError> {
        run(self, device, observer)
    }
}
