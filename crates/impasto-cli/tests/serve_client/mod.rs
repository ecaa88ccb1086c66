//! The test client of `impasto serve`: starts the built binary on a free loopback port
//! and speaks just enough HTTP/1.1 (std's TcpStream, one request per connection,
//! chunked replies decoded) to drive its API, and builds the uploads.

#![allow(dead_code)] // what a test binary does not use

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{BIN, checkerboard, gradient};

/// A form part: its field, file name (for files) and bytes.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A running `impasto serve`, stopped when dropped.
pub struct Server {
    child: Child,
    address: String,
}

impl Server {
    pub fn start(results: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--weights", "random"])
            .args(["--backend", "flex", "--results"])
            .arg(results)
            .args(extra)
            .env_remove("IMPASTO_WEIGHTS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start impasto serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut line)
            .expect("read the server's first line");
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        Server { child, address }
    }

    /// `host:port`, as the server printed it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends one request; the status and the body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = TcpStream::connect(&self.address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        // A server refusing a large body may close before reading it all; the reply
        // still comes.
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        Reply::parse(&raw)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], &[])
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, &[], &[])
    }

    /// `POST /api/jobs` with these form parts: (field, file name, bytes).
    pub fn submit(&self, parts: &[Part]) -> Reply {
        let (content_type, body) = multipart(parts);
        self.request(
            "POST",
            "/api/jobs",
            &[("Content-Type", content_type.as_str())],
            &body,
        )
    }

    /// The status of job `id`.
    pub fn status(&self, id: &str) -> Value {
        let reply = self.get(&format!("/api/jobs/{id}"));
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()
    }

    /// Waits until job `id` is finished; its last status.
    pub fn wait(&self, id: &str) -> Value {
        let started = Instant::now();
        loop {
            let status = self.status(id);
            if ["done", "failed", "cancelled"].contains(&status["state"].as_str().unwrap_or("")) {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(300), "{status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asserts the server still answers.
    pub fn alive(&self) {
        assert_eq!(self.get("/api/jobs").status, 200);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP reply.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no reply: {:?}", String::from_utf8_lossy(raw)));
        let headers = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let status = headers
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let mut body = raw[split + 4..].to_vec();
        if headers.contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// Asserts a 4xx with a one-sentence JSON error containing `expected`.
    pub fn refused(&self, status: u16, expected: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let error = self.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(expected), "{expected:?} not in {error:?}");
        assert!(!error.contains('\n'), "{error}");
    }
}

pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || body.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
    out
}

/// A multipart/form-data body: its content type and bytes.
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "impasto-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn png(image: &image::RgbImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode");
    bytes.into_inner()
}

/// The test photo and painting, 32 px.
pub fn pictures() -> (Vec<u8>, Vec<u8>) {
    (png(&gradient(32, 24)), png(&checkerboard(32)))
}

/// Submits a job of `iterations` at 32 px; its id.
pub fn submit(server: &Server, iterations: usize) -> String {
    let (content, style) = pictures();
    let settings = format!(r#"{{"size": 32, "iterations": [{iterations}]}}"#);
    let reply = server.submit(&[
        ("content", Some("photo.png"), &content),
        ("style", Some("painting.png"), &style),
        ("settings", None, settings.as_bytes()),
    ]);
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_str().expect("an id").to_owned()
}

/// The events of a stream: (name, data).
pub fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).ok()?))
        })
        .collect()
}
