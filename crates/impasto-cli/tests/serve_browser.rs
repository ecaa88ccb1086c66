//! `impasto serve`'s page in a real browser: the built binary on a free loopback port
//! (random weights), chromedriver on another, and headless Chromium driven through
//! WebDriver (fantoccini) as a person would use the page: pick the photo and the
//! painting, choose a small size, start, watch the picture change, download it.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them); without
//! them the test prints `skipped: …` and passes.

mod common;
mod serve_client;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use common::scratch;
use serve_client::Server;

/// How long the whole job may take in the browser (a 64 px job of 40 iterations takes a
/// few seconds in a debug build).
const JOB_LIMIT: Duration = Duration::from_secs(90);

/// The first of `names` found on `PATH` (or as an absolute path).
fn find_program(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        let path = Path::new(name);
        if path.is_absolute() && path.is_file() {
            return Some(path.to_owned());
        }
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// chromedriver on a free loopback port, stopped when dropped (it quits its browsers).
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// Panics if chromedriver has exited (it could not listen: the port was taken).
    fn check_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("chromedriver exited at start ({status}); was its port taken?");
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the page shows, read in one script (one WebDriver round trip).
const READ_PAGE: &str = r#"
const preview = document.getElementById("preview");
const chart = document.getElementById("loss-chart");
const pixels = chart.getContext("2d").getImageData(0, 0, chart.width, chart.height).data;
let inked = 0;
for (let k = 3; k < pixels.length; k += 4) if (pixels[k] > 0) inked += 1;
return {
  src: preview.getAttribute("src") || "",
  loaded: !preview.hidden && preview.complete && preview.naturalWidth > 0,
  width: preview.naturalWidth,
  height: preview.naturalHeight,
  loads: Number(preview.dataset.loads || 0),
  progress: document.getElementById("progress").textContent,
  timeLeft: document.getElementById("time-left").textContent,
  error: document.getElementById("error").hidden ? "" : document.getElementById("error").textContent,
  done: !document.getElementById("download-image").hidden,
  chartInk: inked,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
};
"#;

async fn read_page(client: &Client) -> Value {
    client
        .execute(READ_PAGE, vec![])
        .await
        .expect("read the page")
}

/// chromedriver and a WebDriver session with headless Chromium, or why not (the
/// programs are missing).
struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Client,
    _driver: Driver,
    /// Held until the driver has stopped (fields drop in order): one browser at a time.
    _turn: MutexGuard<'static, ()>,
}

/// The tests take turns with the browser. chromedriver is given a port that was free a
/// moment before, and two started at once can be given the same one: the second then
/// fails to listen, and its test talks to the first's driver until that one stops
/// (seen in CI as "connection refused").
static ONE_BROWSER: Mutex<()> = Mutex::new(());

impl Browser {
    fn start() -> Result<Browser, &'static str> {
        let chromium = find_program(&["chromium", "chromium-browser"])
            .ok_or("no chromium on PATH (Debian: apt-get install chromium chromium-driver)")?;
        let chromedriver = find_program(&["chromedriver"])
            .ok_or("no chromedriver on PATH (Debian: apt-get install chromium-driver)")?;
        // A test that failed while holding the turn poisons it; the next may still run.
        let turn = ONE_BROWSER
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut driver = Driver::start(&chromedriver);
        driver.check_running();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                // As root (CI) Chromium needs --no-sandbox; no GPU or large /dev/shm there.
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000"],
            }),
        );
        let client = runtime.block_on(async {
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities)
                .connect(&driver.url)
                .await
                .expect("a WebDriver session with headless Chromium")
        });
        Ok(Browser {
            runtime,
            client,
            _driver: driver,
            _turn: turn,
        })
    }

    /// Runs `steps` with the browser, then closes it, even if a step failed.
    fn run<T: Send + 'static>(
        self,
        steps: impl FnOnce(Client) -> std::pin::Pin<Box<dyn Future<Output = T> + Send>>,
    ) -> T {
        // On their own task, so that a failed step's panic comes back here.
        let outcome = self
            .runtime
            .block_on(self.runtime.spawn(steps(self.client.clone())));
        let _ = self.runtime.block_on(self.client.close());
        match outcome {
            Ok(value) => value,
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
}

#[test]
fn the_page_paints_a_picture_in_headless_chromium() {
    let started = Instant::now();
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let dir = scratch("serve-browser");
    let server = Server::start(&dir.join("results"), &[]);
    let url = format!("http://{}/", server.address());
    let (id, image_href, report_href) =
        browser.run(|client| Box::pin(use_the_page(client, url, dir.clone())));

    // The links fetch what they say: the finished PNG and the JSON report.
    let image = server.get(&image_href);
    assert_eq!(image.status, 200, "{}", image.text());
    assert!(image.headers.contains("image/png"), "{}", image.headers);
    let png = image::load_from_memory(&image.body).expect("the download is an image");
    assert_eq!((png.width(), png.height()), (64, 48));
    let report = server.get(&report_href);
    assert_eq!(report.status, 200, "{}", report.text());
    assert!(report.json().is_object(), "{}", report.text());
    assert_eq!(server.status(&id)["state"], "done");
    println!("the browser test took {:.1?}", started.elapsed());
}

#[test]
fn the_page_sends_the_token_and_cancels_a_job() {
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let dir = scratch("serve-browser-token");
    let server = Server::start(&dir.join("results"), &["--token", "s3cret"]);
    let url = format!("http://{}/", server.address());
    let id = browser.run(|client| Box::pin(cancel_with_the_token(client, url)));
    let status = server.request(
        "GET",
        &format!("/api/jobs/{id}"),
        &[("Authorization", "Bearer s3cret")],
        &[],
    );
    assert_eq!(status.json()["state"], "cancelled", "{}", status.text());
}

/// Without the token the page shows the server's sentence; with it (in the address)
/// a job starts, and Cancel stops it. The job's id.
async fn cancel_with_the_token(client: Client, url: String) -> String {
    client.goto(&url).await.expect("open the page");
    let page = wait_for(&client, "the 401 sentence", |page| {
        Some(page["error"].as_str()?.contains("token"))
    })
    .await;
    assert!(
        page["error"]
            .as_str()
            .unwrap_or_default()
            .contains("needs its token"),
        "{page}"
    );

    client
        .goto(&format!("{url}?token=s3cret"))
        .await
        .expect("open the page with the token");
    let assets = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .canonicalize()
        .expect("the assets folder");
    for (css, file) in [
        ("#content-input", "content.png"),
        ("#style-input", "style.png"),
    ] {
        client
            .find(Locator::Css(css))
            .await
            .expect("the file input")
            .send_keys(&assets.join(file).display().to_string())
            .await
            .expect("pick the file");
    }
    let find = |css: &'static str| {
        let client = client.clone();
        async move { client.find(Locator::Css(css)).await.expect(css) }
    };
    find("#size")
        .await
        .select_by_value("64")
        .await
        .expect("64 px");
    find("#advanced summary")
        .await
        .click()
        .await
        .expect("open More");
    find("#iterations")
        .await
        .send_keys("5000")
        .await
        .expect("type 5000");
    find("#start").await.click().await.expect("start");
    wait_for(&client, "the job running", |page| {
        Some(page["progress"].as_str()?.starts_with("running"))
    })
    .await;
    find("#cancel").await.click().await.expect("cancel");
    let page = wait_for(&client, "the job cancelled", |page| {
        Some(page["progress"] == "cancelled")
    })
    .await;
    assert_eq!(page["error"], "", "{page}");
    assert_eq!(page["done"], false, "{page}");
    let hash = client.current_url().await.expect("the address");
    let id = hash
        .fragment()
        .and_then(|f| f.strip_prefix("job="))
        .expect("the page names the job it watches")
        .to_owned();
    assert_eq!(hash.query(), Some("token=s3cret"));
    id
}

/// The steps a person takes on the page; the finished job's id and the hrefs of the
/// two download links.
async fn use_the_page(client: Client, url: String, dir: PathBuf) -> (String, String, String) {
    let find = |css: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
        }
    };
    client.goto(&url).await.expect("open the page");
    assert_eq!(client.title().await.expect("a title"), "impasto");

    // The repository's own pictures, as a person picks them.
    let assets = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .canonicalize()
        .expect("the assets folder");
    find("#content-input")
        .await
        .send_keys(&assets.join("content.png").display().to_string())
        .await
        .expect("pick the photo");
    find("#style-input")
        .await
        .send_keys(&assets.join("style.png").display().to_string())
        .await
        .expect("pick the painting");
    let thumbs: Value = client
        .execute(
            "return [document.querySelectorAll('#content-previews img').length, \
                     document.querySelectorAll('#style-previews img').length];",
            vec![],
        )
        .await
        .expect("count the previews");
    assert_eq!(thumbs, json!([1, 1]), "a small preview of each file");
    find("#size")
        .await
        .select_by_value("64")
        .await
        .expect("choose 64 px");
    find("#colors")
        .await
        .select_by_value("histogram")
        .await
        .expect("choose the colours");
    find("#advanced summary")
        .await
        .click()
        .await
        .expect("open More");

    // A setting the API refuses: its sentence is shown on the page.
    let iterations = find("#iterations").await;
    iterations.send_keys("-1").await.expect("type -1");
    find("#start").await.click().await.expect("start");
    let error = wait_for(&client, "an error shown", |page| {
        Some(!page["error"].as_str()?.is_empty())
    })
    .await["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("-1"), "{error}");

    // Now a real job: 40 iterations.
    iterations.clear().await.expect("clear the iterations");
    iterations.send_keys("40").await.expect("type 40");
    find("#start").await.click().await.expect("start");

    // The picture changes as it forms; then it is done.
    let mut shown: Vec<String> = Vec::new();
    let mut page = Value::Null;
    let begun = Instant::now();
    while begun.elapsed() < JOB_LIMIT {
        page = read_page(&client).await;
        assert_eq!(page["error"], "", "{page}");
        if page["done"] == true {
            break;
        }
        let src = page["src"].as_str().unwrap_or_default();
        if page["loaded"] == true && shown.last().map(String::as_str) != Some(src) {
            shown.push(src.to_owned());
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert_eq!(page["done"], true, "not done in {JOB_LIMIT:?}: {page}");
    assert!(
        shown.len() >= 3,
        "the picture changed {} times while running (at least twice wanted): {shown:?}",
        shown.len().saturating_sub(1)
    );
    // Distinct loads, not the same address twice.
    let mut distinct = shown.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), shown.len(), "{shown:?}");

    // The finished picture, at 64 px on its longest side, with its progress and curve.
    let page = wait_for(&client, "the finished picture", |page| {
        Some(
            page["loaded"] == true
                && page["width"] == 64
                && page["progress"].as_str()?.starts_with("done"),
        )
    })
    .await;
    assert_eq!(page["height"], 48, "{page}");
    assert!(
        page["chartInk"].as_u64().unwrap_or(0) > 100,
        "no loss curve drawn: {page}"
    );
    let image_href = find("#download-image")
        .await
        .attr("href")
        .await
        .expect("read the link")
        .expect("the picture's link has an href");
    let download = find("#download-image")
        .await
        .attr("download")
        .await
        .expect("read the link");
    assert!(
        download.is_some_and(|name| name.ends_with(".png")),
        "a PNG download"
    );
    let report_href = find("#download-report")
        .await
        .attr("href")
        .await
        .expect("read the link")
        .expect("the report's link has an href");
    let id = image_href
        .trim_start_matches("/api/jobs/")
        .trim_end_matches("/image")
        .to_owned();
    assert_eq!(id.len(), 16, "{image_href}");

    // The job is among the earlier pictures, as a thumbnail.
    let thumb = format!("#history button[data-id='{id}'] img");
    let listed = Instant::now();
    while client.find(Locator::Css(&thumb)).await.is_err() {
        assert!(
            listed.elapsed() < Duration::from_secs(15),
            "{thumb} not listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let shots = dir.join("screenshots");
    std::fs::create_dir_all(&shots).expect("a folder for the screenshots");
    let shot = client.screenshot().await.expect("a screenshot");
    std::fs::write(shots.join("page.png"), &shot).expect("save the screenshot");

    // On a phone-sized screen nothing is wider than the screen.
    client.set_window_size(390, 844).await.expect("resize");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = read_page(&client).await;
    assert!(
        page["overflow"].as_i64().unwrap_or(1) <= 0,
        "wider than a phone: {page}"
    );
    let shot = client.screenshot().await.expect("a screenshot");
    std::fs::write(shots.join("phone.png"), &shot).expect("save the screenshot");
    println!(
        "screenshots in {}; the picture was shown {} times as it formed",
        shots.display(),
        shown.len()
    );
    (id, image_href, report_href)
}

/// Polls the page until `ready` says so; what the page showed then.
async fn wait_for(client: &Client, what: &str, ready: impl Fn(&Value) -> Option<bool>) -> Value {
    let started = Instant::now();
    loop {
        let page = read_page(client).await;
        if ready(&page) == Some(true) {
            return page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: not seen in 30 s: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
