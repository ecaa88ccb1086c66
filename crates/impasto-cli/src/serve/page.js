// impasto serve's page: submits a job, follows its events, shows the picture as it
// forms. Plain JavaScript, nothing fetched from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);

// The token the server printed in the address, passed on with every request.
const token = new URLSearchParams(location.search).get("token");
function withToken(url) {
  if (!token) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}
const api = (path, options) => fetch(withToken("/api" + path), options);

// Shows an API error (its JSON sentence) or any other failure; empty hides it.
function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}
async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch (_) { /* not JSON */ }
  return `the server answered ${response.status} ${response.statusText}`;
}

// ---- the files: pick or drop, with small previews ----
function previews(input, box) {
  for (const old of box.querySelectorAll("img")) URL.revokeObjectURL(old.src);
  box.replaceChildren();
  for (const file of input.files) {
    const img = document.createElement("img");
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    img.title = file.name;
    box.append(img);
  }
}
for (const [drop, input, box] of [
  ["content-drop", "content-input", "content-previews"],
  ["style-drop", "style-input", "style-previews"],
]) {
  const zone = $(drop), field = $(input), thumbs = $(box);
  field.addEventListener("change", () => previews(field, thumbs));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const files = [...e.dataTransfer.files].filter((f) => f.type.startsWith("image/"));
    if (!files.length) return;
    const list = new DataTransfer();
    for (const f of field.multiple ? files : files.slice(0, 1)) list.items.add(f);
    field.files = list.files;
    previews(field, thumbs);
  });
}

// ---- size and style strength: the library's defaults, filled in by the server ----
$("size").value = $("size").dataset.default;
// A log-scale slider around the default strength.
// Two significant digits (30, 4.5, 120), the slider's resolution at that scale.
const strength = () => Number((10 ** Number($("strength").value)).toPrecision(2));
$("strength").addEventListener("input", () => { $("strength-value").textContent = strength(); });
$("strength-value").textContent = strength();

// ---- the job being watched ----
let watched = null;   // { id, source, points, stage, loadedAt, loading, pending, rate }
let loads = 0;        // pictures shown since the page opened (the test reads it)

function resetView(id) {
  $("progress").textContent = "waiting for the server";
  $("time-left").textContent = "";
  $("progress-bar").value = 0;
  for (const a of ["download-image", "download-report"]) $(a).hidden = true;
  drawChart([], 1);
  for (const b of document.querySelectorAll("#history button")) {
    b.classList.toggle("current", b.dataset.id === id);
  }
}

// Loads the job's newest picture, one request at a time: a request asked for while
// one is in flight waits for it, so a slow connection never piles them up.
function showImage(job) {
  if (job.loading) { job.pending = true; return; }
  job.loading = true;
  job.pending = false;
  const img = new Image();
  const url = withToken(`/api/jobs/${job.id}/image`) + (token ? "&" : "?") + "t=" + Date.now();
  const finish = () => {
    job.loading = false;
    if (job.pending && watched === job) showImage(job);
  };
  img.onload = () => {
    if (watched === job) {
      const preview = $("preview");
      preview.src = url;
      preview.hidden = false;
      $("placeholder").hidden = true;
      loads += 1;
      preview.dataset.loads = String(loads);
    }
    finish();
  };
  img.onerror = finish;
  img.src = url;
}

function formatTime(seconds) {
  if (!isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return `about ${m} min ${String(s).padStart(2, "0")} s left`;
}

// The time left from the iteration rate of the last ~15 seconds (a later, larger scale
// is slower per iteration, so the estimate grows when it starts).
function estimate(job, status) {
  const now = performance.now() / 1000;
  job.samples.push([now, status.iteration]);
  while (job.samples.length > 2 && now - job.samples[0][0] > 15) job.samples.shift();
  if (job.samples.length >= 2 && job.stage === status.stage) {
    const [t0, i0] = job.samples[0];
    const rate = (status.iteration - i0) / (now - t0);
    if (rate > 0) return formatTime((status.iterations - status.iteration) / rate);
  }
  return "estimating the time left";
}

function onStatus(job, status) {
  if (watched !== job) return;
  const total = Math.max(status.iterations || 0, 1);
  $("progress-bar").max = total;
  $("progress-bar").value = status.iteration || 0;
  if (status.state === "queued") {
    $("progress").textContent = status.position ? `queued, ${status.position} job(s) ahead` : "queued, next to run";
    $("time-left").textContent = "";
    $("cancel").disabled = false;
    return;
  }
  if (status.state === "running") {
    $("cancel").disabled = false;
    const stage = status.stage;
    const newStage = job.stage !== stage;
    if (newStage) job.samples = [];
    $("time-left").textContent = estimate(job, status);
    job.stage = stage;
    $("progress").textContent = `running · scale ${stage + 1} · iteration ${status.iteration} of ${status.iterations}`;
    if (typeof status.loss === "number" && status.iteration > 0) {
      const last = job.points[job.points.length - 1];
      if (!last || last[0] !== status.iteration) job.points.push([status.iteration, status.loss, stage]);
    }
    drawChart(job.points, total);
    // A new picture at each scale and at least every few iterations (the server makes
    // one every 5).
    if (newStage || status.iteration - job.loadedAt >= 3) {
      job.loadedAt = status.iteration;
      showImage(job);
    }
  }
}

function onEnd(job, end, status) {
  if (watched !== job) return;
  job.source.close();
  $("cancel").disabled = true;
  $("time-left").textContent = "";
  if (end === "done") {
    $("progress").textContent = status.iterations ? `done · ${status.iterations} iterations` : "done";
    $("progress-bar").max = 1;
    $("progress-bar").value = 1;
    showImage(job);
    const image = $("download-image"), report = $("download-report");
    image.href = withToken(`/api/jobs/${job.id}/image`);
    image.download = `impasto-${job.id}.png`;
    report.href = withToken(`/api/jobs/${job.id}/report`);
    report.download = `impasto-${job.id}.json`;
    image.hidden = report.hidden = false;
  } else if (end === "failed") {
    $("progress").textContent = "failed";
    showError(status.error || "the job failed");
  } else {
    $("progress").textContent = "cancelled";
  }
  refreshHistory();
}

function watch(id) {
  if (watched) watched.source.close();
  showError("");
  const job = { id, points: [], stage: null, loadedAt: -Infinity, loading: false, pending: false, samples: [] };
  watched = job;
  resetView(id);
  history.replaceState(null, "", `${location.pathname}${location.search}#job=${id}`);
  job.source = new EventSource(withToken(`/api/jobs/${id}/events`));
  job.source.addEventListener("progress", (e) => onStatus(job, JSON.parse(e.data)));
  for (const end of ["done", "failed", "cancelled"]) {
    job.source.addEventListener(end, (e) => onEnd(job, end, JSON.parse(e.data)));
  }
  job.source.onerror = () => {
    // The stream ends after the final event; an error before it means the server went.
    if (watched === job && job.source.readyState === EventSource.CLOSED) {
      showError("lost the connection to the server");
    }
  };
}

// ---- the loss curve, on a log scale ----
function drawChart(points, iterations) {
  const canvas = $("loss-chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600, height = canvas.clientHeight || 160;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const style = getComputedStyle(document.documentElement);
  const ink = style.getPropertyValue("--muted").trim() || "#666";
  const accent = style.getPropertyValue("--accent").trim() || "#b4481d";
  g.font = "11px system-ui, sans-serif";
  g.fillStyle = ink;
  const valid = points.filter((p) => p[1] > 0 && isFinite(p[1]));
  if (valid.length < 2) {
    g.fillText("loss (log scale), as the iterations go", 8, 16);
    return;
  }
  const logs = valid.map((p) => Math.log10(p[1]));
  let lo = Math.min(...logs), hi = Math.max(...logs);
  if (hi - lo < 1e-6) { hi += 0.5; lo -= 0.5; }
  const left = 8, right = width - 8, top = 20, bottom = height - 8;
  const x = (i) => left + (right - left) * (i / Math.max(iterations, 1));
  const y = (v) => bottom - (bottom - top) * ((v - lo) / (hi - lo));
  g.fillText(`loss ${valid[valid.length - 1][1].toExponential(2)} (log scale; from ${(10 ** hi).toExponential(1)})`, left, 13);
  g.strokeStyle = accent;
  g.lineWidth = 2;
  g.beginPath();
  valid.forEach((p, k) => {
    // A new scale starts a new line: its loss is measured on another image.
    if (k === 0 || p[2] !== valid[k - 1][2]) g.moveTo(x(p[0]), y(logs[k]));
    else g.lineTo(x(p[0]), y(logs[k]));
  });
  g.stroke();
}
window.addEventListener("resize", () => { if (watched) drawChart(watched.points, Number($("progress-bar").max)); });

// ---- start and cancel ----
$("job-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const content = $("content-input").files, styles = $("style-input").files;
  if (!content.length) { showError("choose a photo first"); return; }
  if (!styles.length) { showError("choose one or more paintings first"); return; }
  const settings = {
    size: Number($("size").value),
    style_strength: strength(),
    colors: $("colors").value,
  };
  const iterations = $("iterations").value.trim();
  if (iterations !== "") settings.iterations = [Number(iterations)];
  const form = new FormData();
  form.append("content", content[0], content[0].name);
  for (const s of styles) form.append("style", s, s.name);
  form.append("settings", JSON.stringify(settings));
  $("start").disabled = true;
  try {
    const response = await api("/jobs", { method: "POST", body: form });
    if (!response.ok) { showError(await errorOf(response)); return; }
    const body = await response.json();
    watch(body.id);
    refreshHistory();
  } catch (e) {
    showError(`could not reach the server (${e.message})`);
  } finally {
    $("start").disabled = false;
  }
});

$("cancel").addEventListener("click", async () => {
  if (!watched) return;
  try {
    const response = await api(`/jobs/${watched.id}`, { method: "DELETE" });
    if (!response.ok) showError(await errorOf(response));
  } catch (e) {
    showError(`could not reach the server (${e.message})`);
  }
});

// ---- earlier results, as thumbnails ----
async function refreshHistory() {
  let jobs;
  try {
    const response = await api("/jobs");
    if (!response.ok) { showError(await errorOf(response)); return; }
    jobs = await response.json();
  } catch (_) {
    return;
  }
  const list = $("history");
  const items = jobs.map((job) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = job.id;
    button.title = `${job.id}: ${job.state}, ${job.size} px, ${new Date(job.created * 1000).toLocaleString()}`;
    if (watched && watched.id === job.id) button.classList.add("current");
    if (job.state === "done") {
      const img = document.createElement("img");
      img.loading = "lazy";
      img.alt = `result ${job.id}`;
      img.src = withToken(`/api/jobs/${job.id}/image`);
      button.append(img);
    } else {
      const empty = document.createElement("span");
      empty.className = "empty";
      empty.textContent = job.state;
      button.append(empty);
    }
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = `${job.size} px · ${new Date(job.created * 1000).toLocaleDateString()}`;
    button.append(label);
    button.addEventListener("click", () => watch(job.id));
    item.append(button);
    return item;
  });
  list.replaceChildren(...items);
  if (!items.length) {
    const none = document.createElement("li");
    none.className = "hint";
    none.textContent = "none yet";
    list.append(none);
  }
  return jobs;
}

// On opening: the job named in the address (#job=ID), else the one running now.
(async () => {
  const jobs = await refreshHistory();
  const named = /^#job=([0-9a-f]{16})$/.exec(location.hash);
  if (named) watch(named[1]);
  else if (jobs) {
    const active = jobs.find((j) => j.state === "running") || jobs.find((j) => j.state === "queued");
    if (active) watch(active.id);
  }
  drawChart(watched ? watched.points : [], 1);
})();
setInterval(() => { if (!document.hidden) refreshHistory(); }, 10000);
