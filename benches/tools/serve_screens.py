#!/usr/bin/env python3
"""Screenshots of `impasto serve`'s page while a picture forms (docs/serve.md).

Starts `impasto serve` with trained weights and chromedriver, opens the page in headless
Chromium, picks the photo and the painting on the page, starts a default job (512 px)
and saves JPEG screenshots as the picture forms: early, mid, done, and one at phone size
(390x844). Python's standard library only: WebDriver is plain HTTP + JSON, and the JPEG
comes from Chromium itself (the DevTools screenshot, through chromedriver).

    cargo build --release -p impasto-cli
    python3 benches/tools/serve_screens.py \\
        --weights ~/.cache/impasto-dev/vgg16-caffe-torchvision-input.safetensors \\
        --photo ../shared/images/tubingen.jpg --painting ../shared/images/starry_night.jpg \\
        --out docs/img
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """Just enough of the W3C WebDriver protocol."""

    def __init__(self, url, chromium, width, height):
        self.url = url
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--hide-scrollbars",
                            f"--window-size={width},{height}",
                        ],
                    },
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            return json.load(reply)["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def find(self, css):
        found = self.s("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def script(self, source, *args):
        return self.s("POST", "/execute/sync", {"script": source, "args": list(args)})

    def resize(self, width, height):
        # The viewport, not the window: set the device metrics.
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1 if width > 600 else 2,
             "mobile": width <= 600},
        )

    def cdp(self, cmd, params):
        return self.s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def jpeg(self, path, quality):
        shot = self.cdp("Page.captureScreenshot", {"format": "jpeg", "quality": quality})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"  {path}: {os.path.getsize(path) // 1024} KiB", flush=True)


READ = """
const p = document.getElementById("progress").textContent;
const m = /scale (\\d+) · iteration (\\d+) of (\\d+)/.exec(p);
return {text: p, stage: m ? +m[1] : 0, iteration: m ? +m[2] : 0, iterations: m ? +m[3] : 0,
        done: !document.getElementById("download-image").hidden,
        error: document.getElementById("error").textContent};
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--photo", required=True)
    parser.add_argument("--painting", required=True)
    parser.add_argument("--out", default="docs/img")
    parser.add_argument("--bin", default="target/release/impasto")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--quality", type=int, default=80)
    args = parser.parse_args()

    results = tempfile.mkdtemp(prefix="impasto-serve-screens-")
    server = subprocess.Popen(
        [args.bin, "serve", "--listen", "127.0.0.1:0", "--weights", args.weights,
         "--results", results],
        stdout=subprocess.PIPE, text=True,
    )
    port = free_port()
    driver = subprocess.Popen([args.chromedriver, f"--port={port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    try:
        line = server.stdout.readline()
        url = "http://" + line.split("http://")[1].split()[0]
        print(f"server: {url}", flush=True)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        browser = WebDriver(f"http://127.0.0.1:{port}", args.chromium, 1280, 1000)
        browser.resize(1280, 1000)
        browser.s("POST", "/url", {"url": url})
        for css, path in (("#content-input", args.photo), ("#style-input", args.painting)):
            element = browser.find(css)
            browser.s("POST", f"/element/{element}/value", {"text": os.path.abspath(path)})
        browser.s("POST", f"/element/{browser.find('#start')}/click", {})

        os.makedirs(args.out, exist_ok=True)
        shots = {"early": False, "mid": False, "phone": False}
        started = time.time()
        while True:
            page = browser.script(READ)
            if page["error"]:
                sys.exit(f"the page shows an error: {page['error']}")
            if page["done"]:
                break
            it, total = page["iteration"], page["iterations"]
            if total and not shots["early"] and it >= 40:
                print(f"early: {page['text']}", flush=True)
                browser.jpeg(os.path.join(args.out, "serve-early.jpg"), args.quality)
                shots["early"] = True
            if total and not shots["mid"] and page["stage"] >= 2 and it >= total - 45:
                print(f"mid: {page['text']}", flush=True)
                browser.jpeg(os.path.join(args.out, "serve-mid.jpg"), args.quality)
                shots["mid"] = True
            if total and shots["mid"] and not shots["phone"] and it >= total - 25:
                print(f"phone: {page['text']}", flush=True)
                browser.resize(390, 844)
                time.sleep(0.5)
                browser.script("document.getElementById('result').scrollIntoView();")
                time.sleep(0.7)
                browser.jpeg(os.path.join(args.out, "serve-phone.jpg"), args.quality)
                browser.resize(1280, 1000)
                browser.script("window.scrollTo(0, 0);")
                shots["phone"] = True
            if time.time() - started > 600:
                sys.exit("the job took more than 10 minutes")
            time.sleep(0.25)
        time.sleep(1.5)  # the final picture and the history's thumbnail load
        print(f"done after {time.time() - started:.0f} s: {browser.script(READ)['text']}", flush=True)
        browser.jpeg(os.path.join(args.out, "serve-done.jpg"), args.quality)
    finally:
        if browser is not None:
            try:
                browser.s("DELETE", "")
            except Exception:
                pass
        driver.terminate()
        server.terminate()
        driver.wait()
        server.wait()


if __name__ == "__main__":
    main()
