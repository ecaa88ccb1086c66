//! `POST /api/jobs`: the uploaded photo and paintings, checked and written into the new
//! job's folder, and the settings turned into the job a batch line with them would be.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::state::{Entry, REPORT, RESULT, SETTINGS, Shared, now};
use crate::batch_cmd::jobs;
use crate::config;
use crate::error::one_line;

/// The most bytes one request may carry (all its files together).
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// The most pixels one uploaded image may have once decoded.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Settings keys the server sets itself: the files (inputs, outputs, anything else that
/// names a path on the server) and the network, which every job shares.
const SERVER_KEYS: [&str; 11] = [
    "content",
    "style",
    "output",
    "report",
    "plot",
    "frames",
    "save-every",
    "style-mask",
    "weights",
    "backend",
    "architecture",
];

/// Why a request is refused: its status and one sentence.
pub type Refusal = (StatusCode, String);

fn bad(message: impl Into<String>) -> Refusal {
    (StatusCode::BAD_REQUEST, message.into())
}

/// What the server puts in every job: the network's weights and backend.
pub struct Network {
    /// `--weights`, made absolute (a job's relative paths start at its folder).
    pub weights: Option<String>,
    /// `--backend`, by name.
    pub backend: String,
}

/// An uploaded file.
struct Upload {
    /// The name the browser gave it, for messages.
    name: String,
    bytes: Vec<u8>,
}

/// The request's parts.
#[derive(Default)]
struct Parts {
    content: Option<Upload>,
    styles: Vec<Upload>,
    settings: Option<Map<String, Value>>,
}

/// Reads, checks and queues a job; its id and place in the queue.
pub async fn submit(
    shared: &Shared,
    network: &Network,
    multipart: Multipart,
) -> Result<(String, usize), Refusal> {
    let parts = read_parts(multipart).await?;
    let content = parts.content.ok_or_else(|| {
        bad("the request has no \"content\" file; send the photo as the form field \"content\"")
    })?;
    if parts.styles.is_empty() {
        return Err(bad(
            "the request has no \"style\" file; send one or more paintings as \"style\" fields",
        ));
    }
    let settings = parts.settings.unwrap_or_default();
    check_keys(&settings)?;
    let id = shared.new_id();
    let dir = shared.job_dir(&id);
    std::fs::create_dir_all(&dir).map_err(|e| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot create the job's folder: {e}"),
        )
    })?;
    let prepared = prepare(&dir, content, parts.styles, settings, network).await;
    let (args, size, iterations) = match prepared {
        Ok(job) => job,
        Err(refusal) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(refusal);
        }
    };
    let position = {
        let mut jobs = shared.lock();
        jobs.entries
            .insert(id.clone(), Entry::queued(now(), size, iterations, args));
        jobs.queue.push_back(id.clone());
        jobs.queue.len() - 1
    };
    shared.wake.notify_all();
    shared.notify();
    Ok((id, position))
}

/// The form's fields: `content`, `style` (repeated), `settings`.
async fn read_parts(mut multipart: Multipart) -> Result<Parts, Refusal> {
    let mut parts = Parts::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_refusal)? {
        let field_name = field.name().unwrap_or_default().to_owned();
        let name = field
            .file_name()
            .map(|n| n.chars().filter(|c| !c.is_control()).take(100).collect())
            .unwrap_or_else(|| field_name.clone());
        let bytes = field.bytes().await.map_err(multipart_refusal)?.to_vec();
        match field_name.as_str() {
            "content" if parts.content.is_some() => {
                return Err(bad("send one \"content\" file, not several"));
            }
            "content" => parts.content = Some(Upload { name, bytes }),
            "style" => parts.styles.push(Upload { name, bytes }),
            // An empty settings field (the page's, left blank) means the defaults.
            "settings" if bytes.trim_ascii().is_empty() => {}
            "settings" => {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    bad(format!(
                        "the settings are not valid JSON ({})",
                        one_line(&e.to_string())
                    ))
                })?;
                let Value::Object(object) = value else {
                    return Err(bad(
                        "the settings are a JSON object such as {\"size\": 256, \"iterations\": [50]}",
                    ));
                };
                parts.settings = Some(object);
            }
            other => {
                return Err(bad(format!(
                    "unknown form field \"{}\"; send \"content\", \"style\" and \"settings\"",
                    other.chars().take(40).collect::<String>()
                )));
            }
        }
    }
    Ok(parts)
}

/// A multipart error as the client should see it: 413 for a body over the limit.
fn multipart_refusal(error: MultipartError) -> Refusal {
    let status = error.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return (
            status,
            format!(
                "the request is larger than the server's limit of {} MiB",
                MAX_BODY / (1024 * 1024)
            ),
        );
    }
    (
        StatusCode::BAD_REQUEST,
        format!(
            "the request is not valid multipart form data ({})",
            one_line(&error.body_text())
        ),
    )
}

/// Refuses settings keys the server owns, and file paths given to `init`.
fn check_keys(settings: &Map<String, Value>) -> Result<(), Refusal> {
    for (key, value) in settings {
        let name = key.replace('_', "-");
        let path_init = name == "init"
            && value
                .as_str()
                .is_some_and(|v| !["noise", "content", "style"].contains(&v));
        if SERVER_KEYS.contains(&name.as_str()) || path_init {
            return Err(bad(format!(
                "\"{key}\" is set by the server; a job's settings are its other options \
                 (size, iterations, style_strength, colors, …)"
            )));
        }
    }
    Ok(())
}

/// Writes the uploads and settings into `dir` and parses the job as a batch line.
async fn prepare(
    dir: &Path,
    content: Upload,
    styles: Vec<Upload>,
    settings: Map<String, Value>,
    network: &Network,
) -> Result<(Box<crate::args::TransferArgs>, u32, usize), Refusal> {
    let content_file = write_image(dir, "content", content).await?;
    let mut style_files = Vec::new();
    for (k, style) in styles.into_iter().enumerate() {
        style_files.push(write_image(dir, &format!("style-{}", k + 1), style).await?);
    }
    let mut object = settings.clone();
    object.insert("content".to_owned(), json!(content_file));
    object.insert("style".to_owned(), json!(style_files));
    object.insert("output".to_owned(), json!(RESULT));
    object.insert("report".to_owned(), json!(REPORT));
    if let Some(weights) = &network.weights {
        object.insert("weights".to_owned(), json!(weights));
    }
    object.insert("backend".to_owned(), json!(network.backend));
    let args = jobs::transfer_args(&object, dir).map_err(bad)?;
    let job = config::transfer_job(&args).map_err(|e| bad(one_line(&e.to_string())))?;
    let size = job.transfer.stages().last().map_or(0, |s| s.size);
    let iterations = job.transfer.total_iterations();
    drop(job);
    let record = json!({"created": now(), "size": size, "settings": settings});
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    impasto::image::write_atomically(&dir.join(SETTINGS), text.as_bytes())
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, one_line(&e.to_string())))?;
    Ok((args, size, iterations))
}

/// Writes one upload as `<stem>.<ext>` (the extension of the format its bytes show) and
/// decodes it, so that what is not an image, or too large, is refused now and not when
/// the job runs. Returns the file's name.
async fn write_image(dir: &Path, stem: &str, upload: Upload) -> Result<String, Refusal> {
    let extension = image::guess_format(&upload.bytes)
        .ok()
        .and_then(|format| format.extensions_str().first().copied())
        .unwrap_or("bin");
    let file = format!("{stem}.{extension}");
    let path: PathBuf = dir.join(&file);
    let name = upload.name;
    let checked = tokio::task::spawn_blocking(move || -> Result<(), Refusal> {
        let server_error = |e: impasto::ImpastoError| {
            (StatusCode::INTERNAL_SERVER_ERROR, one_line(&e.to_string()))
        };
        impasto::image::write_atomically(&path, &upload.bytes).map_err(server_error)?;
        // The size the header declares, refused before decoding all of it.
        let declared = image::ImageReader::open(&path)
            .and_then(|reader| reader.with_guessed_format())
            .ok()
            .and_then(|reader| reader.into_dimensions().ok());
        if let Some((width, height)) = declared {
            too_many_pixels(&name, width, height)?;
        }
        // The loader's sentence, naming the upload rather than the server's file.
        let image = impasto::image::load_image(&path).map_err(|e| {
            bad(one_line(&e.to_string()).replace(&path.display().to_string(), &name))
        })?;
        too_many_pixels(&name, image.width(), image.height())
    })
    .await;
    match checked {
        Ok(result) => result.map(|()| file),
        Err(_) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            "the image check stopped on an internal error".to_owned(),
        )),
    }
}

/// Refuses an image of more than [`MAX_PIXELS`].
fn too_many_pixels(name: &str, width: u32, height: u32) -> Result<(), Refusal> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(bad(format!(
            "{name} is {width}x{height} pixels, more than the {} megapixels the server takes; \
             send a smaller image",
            MAX_PIXELS / 1_000_000
        )));
    }
    Ok(())
}
