//! `WeightsDownload::fetch` against a small HTTP/1.1 server on 127.0.0.1: downloads,
//! resumes, restarts, checksum failures and HTTP errors. No network is needed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use impasto::ImpastoError;
use impasto::weights::{DownloadProgress, Fetched, WeightsDownload};
use sha2::{Digest, Sha256};

/// What the server does with the next requests.
#[derive(Default)]
struct Behaviour {
    /// Close the connection after sending this many body bytes, once.
    cut_after: Option<usize>,
    /// Answer 404 to everything.
    not_found: bool,
    /// Send the whole file with 200 even when asked for a range.
    ignore_range: bool,
}

/// What the server saw and sent.
#[derive(Default)]
struct Log {
    /// The start of each request's `Range: bytes=N-`, `None` for requests without one.
    ranges: Vec<Option<usize>>,
    /// Body bytes written to sockets, in all.
    body_bytes_sent: usize,
}

struct Server {
    url: String,
    log: Arc<Mutex<Log>>,
}

impl Server {
    /// Serves `body` at `/vgg16.pth`, one connection at a time, until the tests end.
    fn start(body: Vec<u8>, behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let url = format!("http://{}/vgg16.pth", listener.local_addr().unwrap());
        let behaviour = Arc::new(Mutex::new(behaviour));
        let log = Arc::new(Mutex::new(Log::default()));
        let (b, l) = (behaviour.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &body, &b, &l);
            }
        });
        Server { url, log }
    }

    fn ranges(&self) -> Vec<Option<usize>> {
        self.log.lock().unwrap().ranges.clone()
    }

    fn body_bytes_sent(&self) -> usize {
        self.log.lock().unwrap().body_bytes_sent
    }
}

fn serve(mut stream: TcpStream, body: &[u8], behaviour: &Mutex<Behaviour>, log: &Mutex<Log>) {
    let mut range = None;
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(spec) = lower.strip_prefix("range:") {
            let start = spec
                .trim()
                .strip_prefix("bytes=")
                .and_then(|s| s.strip_suffix('-'));
            range = start.and_then(|s| s.parse::<usize>().ok());
        }
    }
    log.lock().unwrap().ranges.push(range);
    let mut behaviour = behaviour.lock().unwrap();
    let len = body.len();
    let (head, payload) = match range {
        _ if behaviour.not_found => ("404 Not Found".to_owned(), &b"not found"[..]),
        Some(start) if !behaviour.ignore_range && start >= len => (
            format!("416 Range Not Satisfiable\r\nContent-Range: bytes */{len}"),
            &[][..],
        ),
        Some(start) if !behaviour.ignore_range => (
            format!(
                "206 Partial Content\r\nContent-Range: bytes {start}-{}/{len}",
                len - 1
            ),
            &body[start..],
        ),
        _ => ("200 OK".to_owned(), body),
    };
    let head = format!(
        "HTTP/1.1 {head}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
         Connection: close\r\n\r\n",
        payload.len()
    );
    let sent = payload
        .len()
        .min(behaviour.cut_after.take().unwrap_or(usize::MAX));
    drop(behaviour);
    if stream.write_all(head.as_bytes()).is_ok() && stream.write_all(&payload[..sent]).is_ok() {
        log.lock().unwrap().body_bytes_sent += sent;
    }
    let _ = stream.flush();
}

/// 2 MiB and a bit of deterministic pseudo-random bytes.
fn file_bytes() -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..2 * 1024 * 1024 + 1234)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh directory in the temporary directory, unique to this process and `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("impasto-fetch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// A download of `server`'s file into `dir/cache/impasto/` (not yet created), expecting
/// the true checksum's first 8 digits.
fn download(server: &Server, dir: &Path, body: &[u8]) -> WeightsDownload {
    WeightsDownload {
        url: server.url.clone(),
        destination: dir.join("cache/impasto/vgg16-test.pth"),
        sha256_prefix: sha256_hex(body)[..8].to_owned(),
    }
}

fn no_progress(_: DownloadProgress) {}

#[test]
fn a_fresh_download_is_checked_and_reports_its_progress() {
    let body = file_bytes();
    let server = Server::start(body.clone(), Behaviour::default());
    let dir = temp_dir("fresh");
    let download = download(&server, &dir, &body);
    let mut seen = Vec::new();
    let outcome = download.fetch(&mut |p| seen.push(p)).expect("download");

    assert_eq!(outcome.fetched, Fetched::Downloaded);
    assert_eq!(outcome.path, download.destination);
    assert_eq!(outcome.bytes, body.len() as u64);
    assert_eq!(outcome.transferred, body.len() as u64);
    assert_eq!(outcome.sha256, sha256_hex(&body));
    assert_eq!(std::fs::read(&download.destination).unwrap(), body);
    assert!(!download.part_path().exists());
    assert_eq!(server.ranges(), [None]);

    let total = Some(body.len() as u64);
    assert_eq!(
        seen.first(),
        Some(&DownloadProgress {
            downloaded: 0,
            total
        })
    );
    assert_eq!(
        seen.last(),
        Some(&DownloadProgress {
            downloaded: body.len() as u64,
            total
        })
    );
    assert!(seen.len() >= 8, "every 256 KiB of 2 MiB: {seen:?}");
    assert!(seen.len() <= 12, "throttled: {} calls", seen.len());
    assert!(seen.windows(2).all(|w| w[0].downloaded <= w[1].downloaded));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interrupted_download_keeps_its_part_and_the_next_fetch_resumes_it() {
    let body = file_bytes();
    let cut = 700_001;
    let behaviour = Behaviour {
        cut_after: Some(cut),
        ..Behaviour::default()
    };
    let server = Server::start(body.clone(), behaviour);
    let dir = temp_dir("resume");
    let download = download(&server, &dir, &body);

    let error = download.fetch(&mut no_progress).unwrap_err();
    let ImpastoError::Weights(impasto::error::WeightsError::DownloadInterrupted {
        downloaded,
        total,
        ..
    }) = &error
    else {
        panic!("expected an interrupted download, got {error:?}");
    };
    assert_eq!((*downloaded, *total), (cut as u64, Some(body.len() as u64)));
    let message = error.to_string();
    assert!(
        message.contains(&format!("stopped at {cut} of {} bytes", body.len())),
        "{message}"
    );
    assert!(
        message.contains("run the same command again to resume"),
        "{message}"
    );
    assert!(!download.destination.exists());
    let part = std::fs::read(download.part_path()).expect("the partial file is kept");
    assert_eq!(part, body[..cut]);

    let mut seen = Vec::new();
    let outcome = download.fetch(&mut |p| seen.push(p)).expect("resume");
    assert_eq!(outcome.fetched, Fetched::Resumed { from: cut as u64 });
    assert_eq!(outcome.transferred, (body.len() - cut) as u64);
    assert_eq!(outcome.sha256, sha256_hex(&body));
    assert_eq!(std::fs::read(&download.destination).unwrap(), body);
    assert!(!download.part_path().exists());
    assert_eq!(server.ranges(), [None, Some(cut)]);
    assert_eq!(server.body_bytes_sent(), body.len(), "no byte sent twice");
    assert!(server.body_bytes_sent() < 2 * body.len());
    assert_eq!(
        seen[0].downloaded, cut as u64,
        "progress counts the kept bytes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_ignoring_the_range_restarts_the_file_from_its_first_byte() {
    let body = file_bytes();
    let behaviour = Behaviour {
        ignore_range: true,
        ..Behaviour::default()
    };
    let server = Server::start(body.clone(), behaviour);
    let dir = temp_dir("ignore-range");
    let download = download(&server, &dir, &body);
    // A partial file of other bytes: appending the whole file to it would be wrong.
    std::fs::create_dir_all(download.part_path().parent().unwrap()).unwrap();
    std::fs::write(download.part_path(), vec![0xAB; 5000]).unwrap();

    let outcome = download.fetch(&mut no_progress).expect("restart");
    assert_eq!(outcome.fetched, Fetched::Downloaded);
    assert_eq!(server.ranges(), [Some(5000)]);
    assert_eq!(std::fs::read(&download.destination).unwrap(), body);
    assert!(!download.part_path().exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_complete_part_file_is_checked_and_kept() {
    let body = file_bytes();
    let server = Server::start(body.clone(), Behaviour::default());
    let dir = temp_dir("complete-part");
    let download = download(&server, &dir, &body);
    std::fs::create_dir_all(download.part_path().parent().unwrap()).unwrap();
    std::fs::write(download.part_path(), &body).unwrap();

    let outcome = download
        .fetch(&mut no_progress)
        .expect("416 means complete");
    assert_eq!(
        outcome.fetched,
        Fetched::Resumed {
            from: body.len() as u64
        }
    );
    assert_eq!(outcome.transferred, 0);
    assert_eq!(server.ranges(), [Some(body.len())]);
    assert_eq!(std::fs::read(&download.destination).unwrap(), body);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_checksum_mismatch_deletes_the_download() {
    let body = file_bytes();
    let server = Server::start(body.clone(), Behaviour::default());
    let dir = temp_dir("checksum");
    let mut download = download(&server, &dir, &body);
    let actual = sha256_hex(&body);
    download.sha256_prefix = if actual.starts_with("0000") {
        "ffff"
    } else {
        "0000"
    }
    .into();

    let error = download.fetch(&mut no_progress).unwrap_err();
    let ImpastoError::Weights(impasto::error::WeightsError::Checksum {
        expected_prefix,
        actual: got,
        ..
    }) = &error
    else {
        panic!("expected a checksum error, got {error:?}");
    };
    assert_eq!((expected_prefix, got), (&download.sha256_prefix, &actual));
    let message = error.to_string();
    assert!(
        message.contains(&actual) && message.contains("deleted"),
        "{message}"
    );
    assert!(!download.destination.exists());
    assert!(!download.part_path().exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_http_error_names_the_url_and_status_and_leaves_nothing() {
    let body = file_bytes();
    let behaviour = Behaviour {
        not_found: true,
        ..Behaviour::default()
    };
    let server = Server::start(body.clone(), behaviour);
    let dir = temp_dir("not-found");
    let download = download(&server, &dir, &body);

    let error = download.fetch(&mut no_progress).unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Weights(impasto::error::WeightsError::DownloadStatus { status: 404, .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "cannot download {}: the server answered HTTP 404",
            server.url
        )
    );
    assert!(!download.destination.exists());
    assert!(!download.part_path().exists());
    assert!(!dir.join("cache").exists(), "no directory created either");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_server_is_a_download_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("unreachable");
    let download = WeightsDownload {
        url: format!("http://127.0.0.1:{port}/vgg16.pth"),
        destination: dir.join("vgg16.pth"),
        sha256_prefix: "397923af".into(),
    };
    let error = download.fetch(&mut no_progress).unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Weights(impasto::error::WeightsError::Download { .. })
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot download {}: ", download.url))
    );
    assert!(!download.part_path().exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_already_present_is_checked_and_nothing_is_requested() {
    let body = file_bytes();
    let server = Server::start(body.clone(), Behaviour::default());
    let dir = temp_dir("present");
    let mut download = download(&server, &dir, &body);
    std::fs::create_dir_all(download.destination.parent().unwrap()).unwrap();
    std::fs::write(&download.destination, &body).unwrap();
    download.sha256_prefix = download.sha256_prefix.to_ascii_uppercase();

    let mut calls = 0;
    let outcome = download.fetch(&mut |_| calls += 1).expect("present");
    assert_eq!(outcome.fetched, Fetched::AlreadyPresent);
    assert_eq!((outcome.bytes, outcome.transferred), (body.len() as u64, 0));
    assert_eq!(outcome.sha256, sha256_hex(&body));
    assert_eq!(calls, 0);

    // A different file there is an error and is left alone.
    std::fs::write(&download.destination, b"my own weights").unwrap();
    let error = download.fetch(&mut no_progress).unwrap_err();
    assert!(
        matches!(
            error,
            ImpastoError::Weights(impasto::error::WeightsError::ExistingMismatch { .. })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("move or delete it"), "{error}");
    assert_eq!(
        std::fs::read(&download.destination).unwrap(),
        b"my own weights"
    );
    assert!(server.ranges().is_empty(), "no request was made");
    let _ = std::fs::remove_dir_all(&dir);
}
