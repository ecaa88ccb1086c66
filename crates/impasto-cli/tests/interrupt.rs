//! Ctrl-C (SIGINT, sent with `kill -INT`): the first stops the run after the current
//! iteration and still writes the image and the report (exit status 0); a second quits at
//! once with status 130 and leaves no partial file.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{FAST, files, images, scratch};

/// Starts a long transfer writing `out.png` and `run.json` in `dir`; returns the child and
/// a channel that receives each stderr line.
fn start(dir: &Path, size: &str) -> (Child, mpsc::Receiver<String>) {
    let (content, style) = images(dir);
    let mut child = Command::new(common::BIN)
        .args(["transfer", "--content"])
        .arg(&content)
        .arg("--style")
        .arg(&style)
        .arg("--output")
        .arg(dir.join("out.png"))
        .arg("--report")
        .arg(dir.join("run.json"))
        .args(FAST)
        .args([
            "--size",
            size,
            "--iterations",
            "100000",
            "--print-every",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start impasto");
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    (child, receive)
}

/// Waits for the first progress line, collecting what came before it.
fn wait_for_progress(lines: &mpsc::Receiver<String>) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no progress line within 2 minutes; got {seen:?}"));
        let progress = line.starts_with("iter = ");
        seen.push(line);
        if progress {
            return seen;
        }
    }
}

/// Every remaining stderr line, until the child's stderr closes.
fn drain(lines: &mpsc::Receiver<String>) -> Vec<String> {
    let mut rest = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
        rest.push(line);
    }
    rest
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[test]
fn the_first_ctrl_c_stops_after_the_iteration_and_writes_everything() {
    let dir = scratch("interrupt-once");
    let (mut child, lines) = start(&dir, "32");
    wait_for_progress(&lines);
    interrupt(&child);
    let status = child.wait().expect("wait for impasto");
    let rest = drain(&lines);
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("interrupted")), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("stopped by Ctrl-C")),
        "{rest:?}"
    );
    assert!(image::open(dir.join("out.png")).is_ok());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(report["termination"], "stopped");
    let names = files(&dir);
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");
}

#[test]
fn a_second_ctrl_c_quits_at_once_with_130_and_leaves_no_file() {
    let dir = scratch("interrupt-twice");
    // Large enough that an iteration takes a while: both signals land inside one.
    let (mut child, lines) = start(&dir, "128");
    wait_for_progress(&lines);
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(50));
    interrupt(&child);
    let status = child.wait().expect("wait for impasto");
    let rest = drain(&lines);
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let names = files(&dir);
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");
    assert!(!names.contains(&"out.png".to_owned()), "{names:?}");
    assert!(!names.contains(&"run.json".to_owned()), "{names:?}");
}
