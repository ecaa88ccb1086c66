//! The HTTP routes: the page, the JSON API and its token check. Every answer to a bad
//! request is a status and `{"error": "one sentence"}`; nothing a request holds can
//! panic the server.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::state::{CANCELLED, REPORT, RESULT, Shared, State as JobState, status_json, valid_id};
use super::upload::{self, MAX_BODY, Network};

/// The page: plain HTML, CSS and JavaScript built into the binary, nothing fetched from
/// elsewhere (docs/serve.md, "The page"); its `{{…}}` are the library's defaults
/// ([`page`]).
const PAGE: &str = include_str!("page.html");
/// The page's style sheet.
const PAGE_CSS: &str = include_str!("page.css");
/// The page's script.
const PAGE_JS: &str = include_str!("page.js");

/// Progress events of one job come at most this often (and at every new stage).
const EVENT_INTERVAL: Duration = Duration::from_millis(250);

/// What the handlers share.
#[derive(Clone)]
pub struct App {
    /// The jobs.
    pub shared: Arc<Shared>,
    /// The weights and backend every job gets.
    pub network: Arc<Network>,
    /// The secret API requests must carry, if any.
    pub token: Option<Arc<str>>,
}

/// The server's routes.
pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/jobs", get(list).post(create))
        .route("/jobs/{id}", get(status).delete(cancel))
        .route("/jobs/{id}/events", get(events))
        .route("/jobs/{id}/image", get(image))
        .route("/jobs/{id}/report", get(report))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "there is no such API address") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), authorize));
    Router::new()
        .route("/", get(|| async { Html(page()) }))
        .route(
            "/page.css",
            get(|| async { asset("text/css; charset=utf-8", PAGE_CSS) }),
        )
        .route(
            "/page.js",
            get(|| async { asset("text/javascript; charset=utf-8", PAGE_JS) }),
        )
        .nest("/api", api)
        .with_state(app)
}

/// The page with the library's defaults filled in (size, style strength, the default
/// schedule's iterations), so that the form starts where `impasto transfer` does and no
/// default has a second home here. Rendered once.
fn page() -> &'static str {
    static PAGE_FILLED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PAGE_FILLED.get_or_init(|| {
        use impasto::loss::DEFAULT_STYLE_STRENGTH;
        use impasto::transfer::{DEFAULT_SIZE, default_schedule};
        let iterations: usize = default_schedule(DEFAULT_SIZE)
            .iter()
            .map(|s| s.iterations)
            .sum();
        PAGE.replace("{{size}}", &DEFAULT_SIZE.to_string())
            .replace("{{strength}}", &DEFAULT_STYLE_STRENGTH.to_string())
            .replace(
                "{{strength_log10}}",
                &DEFAULT_STYLE_STRENGTH.log10().to_string(),
            )
            .replace("{{iterations}}", &iterations.to_string())
    })
}

/// One of the page's files. `no-cache`: a browser asks again (cheaply) after the
/// server is updated, rather than mixing an old script with a new page.
fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

/// `{"error": message}` with `status`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// With a token, an API request must carry it (a header, or `?token=` where a browser
/// cannot set headers: an `<img>`, an `EventSource`).
async fn authorize(State(app): State<App>, request: Request, next: Next) -> Response {
    let Some(token) = &app.token else {
        return next.run(request).await;
    };
    let in_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| same(given, token));
    let in_query = request.uri().query().is_some_and(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("token="))
            .any(|given| same(given, token))
    });
    if in_header || in_query {
        return next.run(request).await;
    }
    error(
        StatusCode::UNAUTHORIZED,
        "this server needs its token: send `Authorization: Bearer TOKEN` (or ?token=TOKEN)",
    )
}

/// Compares all the bytes whatever the first difference, so the time taken does not
/// tell how much of a guess was right.
fn same(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Whether `id` names a job; the answer for a bad or unknown id if not.
fn known(app: &App, id: &str) -> Result<(), Box<Response>> {
    if !valid_id(id) {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "a job id is 16 characters 0-9 and a-f, as POST /api/jobs returns it",
        )));
    }
    if app.shared.lock().entries.contains_key(id) {
        Ok(())
    } else {
        Err(Box::new(error(
            StatusCode::NOT_FOUND,
            format!("there is no job {id}"),
        )))
    }
}

async fn create(
    State(app): State<App>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "send the job as multipart/form-data with \"content\", \"style\" and \
                     \"settings\" fields ({})",
                    crate::error::one_line(&rejection.body_text())
                ),
            );
        }
    };
    match upload::submit(&app.shared, &app.network, multipart).await {
        Ok((id, position)) => (
            StatusCode::CREATED,
            axum::Json(json!({ "id": id, "position": position })),
        )
            .into_response(),
        Err((status, message)) => error(status, message),
    }
}

async fn list(State(app): State<App>) -> Response {
    let jobs = app.shared.lock();
    let mut listed: Vec<(u64, &String, Value)> = jobs
        .entries
        .iter()
        .map(|(id, entry)| {
            let value = json!({
                "id": id,
                "state": entry.state.name(),
                "created": entry.created,
                "size": entry.size,
            });
            (entry.created, id, value)
        })
        .collect();
    // Newest first; ids break ties so the order is stable.
    listed.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(a.1)));
    let values: Vec<Value> = listed.into_iter().map(|(_, _, v)| v).collect();
    axum::Json(Value::Array(values)).into_response()
}

async fn status(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(response) = known(&app, &id) {
        return *response;
    }
    match snapshot(&app.shared, &id) {
        Some((value, _)) => axum::Json(value).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("there is no job {id}")),
    }
}

/// The job's status and state, or `None` if there is no such job.
fn snapshot(shared: &Shared, id: &str) -> Option<(Value, JobState)> {
    let jobs = shared.lock();
    let entry = jobs.entries.get(id)?;
    Some((status_json(&jobs, id, entry), entry.state))
}

async fn cancel(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(response) = known(&app, &id) {
        return *response;
    }
    let answer = {
        let mut guard = app.shared.lock();
        let jobs = &mut *guard;
        let Some(entry) = jobs.entries.get_mut(&id) else {
            return error(StatusCode::NOT_FOUND, format!("there is no job {id}"));
        };
        match entry.state {
            JobState::Queued => {
                jobs.queue.retain(|queued| *queued != id);
                entry.state = JobState::Cancelled;
                entry.args = None;
                let marker = app.shared.job_dir(&id).join(CANCELLED);
                let _ = impasto::image::write_atomically(&marker, b"");
                Ok(StatusCode::OK)
            }
            // The worker's observer sees it at the next iteration.
            JobState::Running => {
                entry.cancel.store(true, Ordering::SeqCst);
                Ok(StatusCode::ACCEPTED)
            }
            finished => Err(format!("the job is already {}", finished.name())),
        }
    };
    app.shared.notify();
    match answer {
        Ok(code) => match snapshot(&app.shared, &id) {
            Some((value, _)) => (code, axum::Json(value)).into_response(),
            None => error(StatusCode::NOT_FOUND, format!("there is no job {id}")),
        },
        Err(message) => error(StatusCode::CONFLICT, message),
    }
}

async fn image(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(response) = known(&app, &id) {
        return *response;
    }
    let (state, preview) = {
        let jobs = app.shared.lock();
        match jobs.entries.get(&id) {
            Some(entry) => (entry.state, entry.preview.clone()),
            None => return error(StatusCode::NOT_FOUND, format!("there is no job {id}")),
        }
    };
    if state == JobState::Done {
        return file(&app.shared.job_dir(&id).join(RESULT), "image/png").await;
    }
    let Some(preview) = preview else {
        return error(
            StatusCode::NOT_FOUND,
            format!("the job has no image yet (it is {})", state.name()),
        );
    };
    // Encoded here, on a blocking thread, so the worker only copies the pixels.
    let encoded = tokio::task::spawn_blocking(move || {
        let mut bytes = std::io::Cursor::new(Vec::new());
        preview
            .write_to(&mut bytes, image::ImageFormat::Png)
            .map(|()| bytes.into_inner())
    })
    .await;
    match encoded {
        Ok(Ok(bytes)) => png(bytes),
        _ => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the preview could not be encoded",
        ),
    }
}

async fn report(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(response) = known(&app, &id) {
        return *response;
    }
    match snapshot(&app.shared, &id) {
        Some((_, JobState::Done)) => {
            file(&app.shared.job_dir(&id).join(REPORT), "application/json").await
        }
        Some((_, state)) => error(
            StatusCode::NOT_FOUND,
            format!("the job has no report (it is {})", state.name()),
        ),
        None => error(StatusCode::NOT_FOUND, format!("there is no job {id}")),
    }
}

fn png(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

/// A file of a job's folder.
async fn file(path: &std::path::Path, content_type: &'static str) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => error(
            StatusCode::NOT_FOUND,
            "the job's file is missing from the results folder",
        ),
    }
}

async fn events(State(app): State<App>, Path(id): Path<String>) -> Response {
    if let Err(response) = known(&app, &id) {
        return *response;
    }
    let follow = Follow {
        rx: app.shared.changed.subscribe(),
        shared: app.shared,
        id,
        last: None,
        sent: Instant::now(),
        ended: false,
    };
    let stream = futures_util::stream::unfold(follow, next_event);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// One event stream's place.
struct Follow {
    shared: Arc<Shared>,
    id: String,
    rx: tokio::sync::watch::Receiver<u64>,
    /// The last progress sent.
    last: Option<Value>,
    sent: Instant,
    ended: bool,
}

/// The stream's next event: progress when the status changed (at most every
/// [`EVENT_INTERVAL`], at once for a new stage), then the final state's, then the end.
async fn next_event(mut f: Follow) -> Option<(Result<Event, Infallible>, Follow)> {
    if f.ended {
        return None;
    }
    loop {
        f.rx.borrow_and_update();
        let (value, state) = snapshot(&f.shared, &f.id)?;
        if state.finished() {
            f.ended = true;
            let event = Event::default().event(state.name()).data(value.to_string());
            return Some((Ok(event), f));
        }
        if f.last.as_ref() != Some(&value) {
            let new_stage = f.last.as_ref().is_none_or(|l| l["stage"] != value["stage"]);
            let wait = EVENT_INTERVAL.saturating_sub(f.sent.elapsed());
            if !new_stage && !wait.is_zero() {
                tokio::time::sleep(wait).await;
                continue;
            }
            f.last = Some(value.clone());
            f.sent = Instant::now();
            let event = Event::default().event("progress").data(value.to_string());
            return Some((Ok(event), f));
        }
        if f.rx.changed().await.is_err() {
            return None;
        }
    }
}
