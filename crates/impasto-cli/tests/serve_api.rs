//! `impasto serve`'s API, end to end: the built binary listens on a free loopback port
//! and a minimal HTTP/1.1 client (serve_client/, std's TcpStream) talks to it. Random
//! weights, 32 px images and a few iterations keep each job short.

mod common;
mod serve_client;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{png_header_only, scratch};
use serve_client::{Part, Server, events, pictures, submit};

/// Jobs submitted at once in `many_jobs_at_once_are_all_accounted_for` (the issue's 50).
const MANY: usize = 50;

#[test]
fn a_job_is_queued_runs_and_its_files_are_served_and_kept() {
    let dir = scratch("serve-lifecycle");
    let results = dir.join("results");
    let server = Server::start(&results, &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<html"), "{}", page.text());
    // The form starts at the library's defaults, filled in by the server.
    let text = page.text();
    assert!(!text.contains("{{"), "a placeholder left in the page");
    let size = impasto::transfer::DEFAULT_SIZE;
    assert!(text.contains(&format!("data-default=\"{size}\"")), "{text}");
    let strength = impasto::loss::DEFAULT_STYLE_STRENGTH;
    assert!(text.contains(&format!(">{strength}</output>")), "{text}");

    let first = submit(&server, 30);
    let (content, style) = pictures();
    let reply = server.submit(&[
        ("content", Some("photo.png"), &content),
        ("style", Some("a.png"), &style),
        ("style", Some("b.png"), &style),
        (
            "settings",
            None,
            br#"{"size": 32, "iterations": [8], "style_strength": 30}"#,
        ),
    ]);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let second = reply.json()["id"].as_str().expect("an id").to_owned();
    assert!(reply.json()["position"].as_u64().is_some());

    // The preview of the running first job.
    let started = Instant::now();
    loop {
        let status = server.status(&first);
        let image = server.get(&format!("/api/jobs/{first}/image"));
        if image.status == 200 {
            assert!(image.body.starts_with(b"\x89PNG"));
            assert!(image.headers.contains("image/png"));
            break;
        }
        assert_ne!(status["state"], "done", "no preview seen while running");
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(10));
    }

    // The second job's events: queued behind the first, running, done, then the end.
    let stream = server.get(&format!("/api/jobs/{second}/events"));
    assert_eq!(stream.status, 200);
    assert!(stream.headers.contains("text/event-stream"));
    let events = events(&stream.text());
    let states: Vec<&str> = events
        .iter()
        .map(|(_, data)| data["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(events.first().map(|e| e.0.as_str()), Some("progress"));
    assert_eq!(states.first(), Some(&"queued"), "{states:?}");
    assert!(states.contains(&"running"), "{states:?}");
    let (last, data) = events.last().expect("events");
    assert_eq!(
        (last.as_str(), data["iteration"].as_u64()),
        ("done", Some(8))
    );

    assert_eq!(server.wait(&first)["state"], "done");
    let image = server.get(&format!("/api/jobs/{second}/image"));
    assert_eq!(image.status, 200);
    let result = image::load_from_memory(&image.body).expect("a PNG");
    assert_eq!(result.width().max(result.height()), 32);
    let report = server.get(&format!("/api/jobs/{second}/report"));
    assert_eq!(report.status, 200);
    assert_eq!(report.json()["records"].as_array().map(Vec::len), Some(9));
    let job_dir = results.join(&second);
    let mut files = common::files(&job_dir);
    files.sort();
    assert_eq!(
        files,
        [
            "content.png",
            "report.json",
            "result.png",
            "settings.json",
            "style-1.png",
            "style-2.png"
        ]
    );
    let list = server.get("/api/jobs").json();
    let ids: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|j| j["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&first.as_str()) && ids.contains(&second.as_str()));

    // A new server on the same folder lists the finished jobs again.
    drop(server);
    std::fs::create_dir(results.join("0123456789abcdef")).expect("an unfinished job");
    let partial = results.join("0123456789abcdef/.result.png.99999.partial");
    std::fs::write(&partial, "half an image").expect("a killed server's temporary file");
    let server = Server::start(&results, &[]);
    assert_eq!(server.status(&second)["state"], "done");
    assert_eq!(server.get(&format!("/api/jobs/{second}/image")).status, 200);
    let unfinished = server.status("0123456789abcdef");
    assert_eq!(unfinished["state"], "failed");
    assert_eq!(
        unfinished["error"],
        "the server stopped before the job finished"
    );
    assert!(!partial.exists(), "the temporary file is left behind");
    assert_eq!(
        server.get("/api/jobs").json().as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn events_follow_each_stage() {
    let dir = scratch("serve-stages");
    let server = Server::start(&dir.join("results"), &[]);
    let (content, style) = pictures();
    let reply = server.submit(&[
        ("content", Some("photo.png"), &content),
        ("style", Some("painting.png"), &style),
        (
            "settings",
            None,
            br#"{"scales": [24, 32], "iterations": [6, 4], "colors": "histogram"}"#,
        ),
    ]);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().expect("an id").to_owned();
    let stream = server.get(&format!("/api/jobs/{id}/events"));
    let events = events(&stream.text());
    let (last, data) = events.last().expect("events");
    assert_eq!(last, "done");
    assert_eq!(
        (data["stage"].as_u64(), data["iteration"].as_u64()),
        (Some(1), Some(10))
    );
    assert_eq!(data["iterations"], 10);
    assert!(events.iter().filter(|(name, _)| name == "progress").count() >= 1);
    let report = server.get(&format!("/api/jobs/{id}/report")).json();
    assert_eq!(report["config"]["stages"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_job_that_fails_says_why_and_the_next_one_runs() {
    let dir = scratch("serve-failed");
    let results = dir.join("results");
    let server = Server::start(&results, &[]);
    let (content, style) = pictures();
    // Valid settings, but too small for the network: the run itself fails.
    let reply = server.submit(&[
        ("content", Some("photo.png"), &content),
        ("style", Some("painting.png"), &style),
        ("settings", None, br#"{"size": 4, "iterations": [2]}"#),
    ]);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let failed = reply.json()["id"].as_str().expect("an id").to_owned();
    let next = submit(&server, 2);
    let stream = server.get(&format!("/api/jobs/{failed}/events"));
    let events = events(&stream.text());
    let (last, data) = events.last().expect("events");
    assert_eq!(last, "failed");
    let error = data["error"].as_str().expect("an error").to_owned();
    assert!(error.contains("too small"), "{error}");
    server
        .get(&format!("/api/jobs/{failed}/image"))
        .refused(404, "failed");
    server
        .get(&format!("/api/jobs/{failed}/report"))
        .refused(404, "failed");
    assert_eq!(server.wait(&next)["state"], "done");

    drop(server);
    let server = Server::start(&results, &[]);
    let status = server.status(&failed);
    assert_eq!(
        (status["state"].as_str(), status["error"].as_str()),
        (Some("failed"), Some(error.as_str()))
    );
}

#[test]
fn bad_requests_are_refused_with_a_sentence_and_the_server_goes_on() {
    let dir = scratch("serve-bad");
    let results = dir.join("results");
    let server = Server::start(&results, &[]);
    let (content, style) = pictures();
    let settings = br#"{"size": 32, "iterations": [2]}"#;
    let cases: Vec<(Vec<Part>, u16, &str)> = vec![
        (
            vec![
                ("content", Some("notes.txt"), b"hello"),
                ("style", Some("s.png"), &style),
            ],
            400,
            "notes.txt is not a readable image",
        ),
        (
            vec![("style", Some("s.png"), &style)],
            400,
            "no \"content\" file",
        ),
        (
            vec![("content", Some("c.png"), &content)],
            400,
            "no \"style\" file",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("style", Some("s.png"), &style),
                ("settings", None, br#"{"colour": 1}"#),
            ],
            400,
            "unknown key \"colour\"",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("style", Some("s.png"), &style),
                ("settings", None, br#"{"output": "/etc/x.png"}"#),
            ],
            400,
            "\"output\" is set by the server",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("style", Some("s.png"), &style),
                ("settings", None, br#"{"init": "/etc/passwd"}"#),
            ],
            400,
            "\"init\" is set by the server",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("style", Some("s.png"), &style),
                ("settings", None, b"{\"size\": 32,"),
            ],
            400,
            "not valid JSON",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("style", Some("s.png"), &style),
                ("settings", None, br#"{"size": 0}"#),
            ],
            400,
            "size",
        ),
        (
            vec![
                ("content", Some("c.png"), &content),
                ("photo", None, settings),
            ],
            400,
            "unknown form field",
        ),
    ];
    for (parts, status, expected) in &cases {
        server.submit(parts).refused(*status, expected);
        server.alive();
    }

    // An image wider than the loader takes (16384 px), though under 40 megapixels: the
    // loader's refusal, before it allocates.
    let bomb = png_header_only(20_000, 100);
    server
        .submit(&[
            ("content", Some("bomb.png"), &bomb),
            ("style", Some("s.png"), &style),
        ])
        .refused(400, "cannot be used");
    server.alive();

    // An image within the loader's limits but over the server's 40 megapixels: refused
    // from its header, before it is decoded.
    let large = png_header_only(8000, 6000);
    server
        .submit(&[
            ("content", Some("large.png"), &large),
            ("style", Some("s.png"), &style),
        ])
        .refused(
            400,
            "large.png is 8000x6000 pixels, more than the 40 megapixels",
        );
    server.alive();

    // A body over the limit.
    let huge = vec![0u8; 33 * 1024 * 1024];
    server
        .submit(&[
            ("content", Some("huge.png"), &huge),
            ("style", Some("s.png"), &style),
        ])
        .refused(413, "larger than the server's limit");
    server.alive();

    // Not multipart, and broken multipart.
    server
        .request(
            "POST",
            "/api/jobs",
            &[("Content-Type", "application/json")],
            b"{}",
        )
        .refused(400, "multipart");
    server
        .request(
            "POST",
            "/api/jobs",
            &[("Content-Type", "multipart/form-data; boundary=xyz")],
            b"--xyz\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nabc",
        )
        .refused(400, "multipart");
    server.alive();

    // Nothing of the refused jobs is left, and no job was queued.
    assert_eq!(common::files(&results), Vec::<String>::new());
    assert_eq!(server.get("/api/jobs").json(), serde_json::json!([]));
}

#[test]
fn ids_are_checked_and_nothing_outside_the_folder_is_reached() {
    let dir = scratch("serve-ids");
    let results = dir.join("results");
    std::fs::create_dir_all(&results).expect("results");
    std::fs::write(dir.join("report.json"), "TOPSECRET").expect("a file outside");
    std::fs::write(dir.join("result.png"), "TOPSECRET").expect("a file outside");
    let server = Server::start(&results, &[]);
    server
        .get("/api/jobs/0123456789abcdef")
        .refused(404, "no job");
    server
        .delete("/api/jobs/0123456789abcdef")
        .refused(404, "no job");
    for path in [
        "/api/jobs/..%2F..%2Freport.json",
        "/api/jobs/..%2Freport/report",
        "/api/jobs/0123456789ABCDEF",
        "/api/jobs/0123456789abcdef0/image",
        "/api/jobs/%2E%2E/image",
    ] {
        server.get(path).refused(400, "a job id is 16 characters");
    }
    for path in [
        "/api/jobs/../../report.json",
        "/api/jobs/../report",
        "/api/../report.json",
        "/api/jobs/x/y/z",
    ] {
        let reply = server.get(path);
        assert!(
            (400..500).contains(&reply.status),
            "{path}: {}",
            reply.status
        );
        assert!(!reply.text().contains("TOPSECRET"), "{path}");
    }
    server.alive();
}

#[test]
fn cancelled_jobs_stop_and_are_not_kept() {
    let dir = scratch("serve-cancel");
    let results = dir.join("results");
    let server = Server::start(&results, &[]);
    let running = submit(&server, 100_000);
    let queued = submit(&server, 5);
    assert_eq!(server.status(&queued)["position"], 0);

    // The queued job never runs.
    let reply = server.delete(&format!("/api/jobs/{queued}"));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["state"], "cancelled");
    server
        .delete(&format!("/api/jobs/{queued}"))
        .refused(409, "already cancelled");

    // The running one stops within an iteration of the cancel.
    let started = Instant::now();
    while server.status(&running)["iteration"].as_u64().unwrap_or(0) < 3 {
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(10));
    }
    let reply = server.delete(&format!("/api/jobs/{running}"));
    assert_eq!(reply.status, 202, "{}", reply.text());
    let at_cancel = reply.json()["iteration"].as_u64().expect("an iteration");
    let last = server.wait(&running);
    assert_eq!(last["state"], "cancelled");
    let stopped_at = last["iteration"].as_u64().expect("an iteration");
    assert!(stopped_at <= at_cancel + 1, "{at_cancel} -> {stopped_at}");
    server
        .get(&format!("/api/jobs/{running}/report"))
        .refused(404, "cancelled");
    server
        .get(&format!("/api/jobs/{running}/image"))
        .refused(404, "cancelled");
    assert_eq!(server.status(&queued)["iteration"], 0);
    for id in [&running, &queued] {
        let job_dir: PathBuf = results.join(id);
        assert!(job_dir.join("cancelled").is_file());
        assert!(!job_dir.join("result.png").exists());
        assert!(!job_dir.join("report.json").exists());
        assert!(
            !common::files(&job_dir)
                .iter()
                .any(|f| f.ends_with(".partial"))
        );
    }
    // The server goes on with the next job.
    let next = submit(&server, 2);
    assert_eq!(server.wait(&next)["state"], "done");

    drop(server);
    let server = Server::start(&results, &[]);
    assert_eq!(server.status(&running)["state"], "cancelled");
}

#[test]
fn many_jobs_at_once_are_all_accounted_for() {
    let dir = scratch("serve-many");
    let results = dir.join("results");
    let server = Server::start(&results, &[]);
    let started = Instant::now();
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..MANY)
            .map(|_| scope.spawn(|| submit(&server, 2)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a submission"))
            .collect()
    });
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), MANY);
    // Some are cancelled while they wait.
    let cancelled: Vec<&String> = ids.iter().step_by(7).skip(1).collect();
    for id in &cancelled {
        let reply = server.delete(&format!("/api/jobs/{id}"));
        assert!([200, 202, 409].contains(&reply.status), "{}", reply.text());
    }
    for id in &ids {
        let state = server.wait(id)["state"].as_str().unwrap_or("").to_owned();
        if cancelled.contains(&id) {
            assert!(state == "cancelled" || state == "done", "{id}: {state}");
        } else {
            assert_eq!(state, "done", "{id}");
            assert!(results.join(id).join("result.png").is_file());
        }
    }
    assert_eq!(
        server.get("/api/jobs").json().as_array().map(Vec::len),
        Some(MANY)
    );
    eprintln!("{MANY} jobs in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn a_token_is_required_when_set() {
    let dir = scratch("serve-token");
    let server = Server::start(&dir.join("results"), &["--token", "s3cret-token"]);
    server.get("/api/jobs").refused(401, "token");
    server
        .request(
            "GET",
            "/api/jobs",
            &[("Authorization", "Bearer wrong")],
            &[],
        )
        .refused(401, "token");
    server.get("/api/jobs?token=wrong").refused(401, "token");
    server.submit(&[]).refused(401, "token");
    let reply = server.request(
        "GET",
        "/api/jobs",
        &[("Authorization", "Bearer s3cret-token")],
        &[],
    );
    assert_eq!(reply.status, 200);
    assert_eq!(server.get("/api/jobs?token=s3cret-token").status, 200);
    // The page itself carries nothing secret.
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn other_addresses_need_a_token() {
    let output = common::impasto(
        [
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--weights",
            "random",
            "--results",
        ]
        .iter()
        .map(std::ffi::OsString::from)
        .chain([scratch("serve-open").into_os_string()]),
    );
    assert_eq!(output.status.code(), Some(1));
    let error = common::stderr(&output);
    assert!(error.contains("--token"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn missing_weights_are_refused_at_start() {
    let dir = scratch("serve-weights");
    let output = common::impasto([
        "serve".as_ref(),
        "--weights".as_ref(),
        dir.join("no-such-weights.pth").as_os_str(),
        "--results".as_ref(),
        dir.join("results").as_os_str(),
    ] as [&std::ffi::OsStr; 5]);
    assert_eq!(output.status.code(), Some(1));
    let error = common::stderr(&output);
    assert!(error.contains("no-such-weights.pth"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}
