//! `impasto weights fetch` against a small HTTP server on 127.0.0.1 (no network needed):
//! it saves the file and prints where and its checksum; a wrong checksum leaves nothing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use common::{assert_success, scratch, stderr, stdout};

/// Serves `body` to every GET, until the test process ends; returns the file's URL.
fn serve(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}/vgg16.pth", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn fetch(destination: &Path, url: &str, prefix: &str) -> Output {
    Command::new(common::BIN)
        .args(["weights", "fetch", "--url", url])
        .arg(format!("--sha256-prefix={prefix}"))
        .env("IMPASTO_WEIGHTS", destination)
        .output()
        .expect("run impasto")
}

#[test]
fn fetch_saves_the_file_and_prints_where_and_its_checksum() {
    let dir = scratch("fetch");
    let destination = dir.join("cache").join("vgg16.pth");
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let url = serve(body.clone());

    let output = fetch(&destination, &url, "");
    assert_success(&output);
    assert_eq!(std::fs::read(&destination).unwrap(), body);
    let text = stdout(&output);
    assert!(text.contains(&destination.display().to_string()), "{text}");
    let sha = text
        .lines()
        .find_map(|l| l.strip_prefix("sha256 "))
        .unwrap_or_else(|| panic!("no checksum in:\n{text}"));
    assert_eq!(sha.len(), 64, "{sha}");
    assert!(sha.chars().all(|c| c.is_ascii_hexdigit()), "{sha}");
    // No prefix: nothing to check against, and the command says so.
    assert!(
        stderr(&output).contains("no checksum is confirmed"),
        "{}",
        stderr(&output)
    );

    // Asked again with the real prefix, nothing is downloaded and the file is checked.
    let again = fetch(&destination, &url, &sha[..8]);
    assert_success(&again);
    let err = stderr(&again);
    assert!(
        err.contains("already present") && err.contains("checksum verified"),
        "{err}"
    );
}

#[test]
fn a_wrong_checksum_is_an_error_and_leaves_no_file() {
    let dir = scratch("fetch-mismatch");
    let destination = dir.join("vgg16.pth");
    let url = serve(vec![7u8; 10_000]);
    let output = fetch(&destination, &url, "zz");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(!destination.exists());
    assert_eq!(common::files(&dir), Vec::<String>::new());
}
