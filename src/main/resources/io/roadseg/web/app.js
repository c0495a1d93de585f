// roadseg live view: the MJPEG stream drawn on a canvas, and uPlot charts fed by Server-Sent Events.
// window.roadseg exposes counters for tests (frames drawn, chart points).
"use strict";
const state = { frames: 0, points: 0, info: null };
window.roadseg = state;
const MAX_POINTS = 300;

// ------------------------------------------------------------------ video: multipart JPEG parts, newest drawn
async function video() {
  const canvas = document.getElementById("video");
  const ctx = canvas.getContext("2d");
  for (;;) {
    try {
      const response = await fetch("video.mjpg", { cache: "no-store" });
      if (!response.ok) throw new Error("video: HTTP " + response.status);
      const reader = response.body.getReader();
      let buffer = new Uint8Array(0);
      let drawing = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const joined = new Uint8Array(buffer.length + value.length);
        joined.set(buffer);
        joined.set(value, buffer.length);
        buffer = joined;
        for (;;) {
          const part = nextPart(buffer);
          if (!part) break;
          buffer = buffer.slice(part.end);
          if (drawing) continue; // still drawing the previous one: skip to the newest
          drawing = true;
          createImageBitmap(new Blob([part.jpeg], { type: "image/jpeg" })).then((bitmap) => {
            if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
              canvas.width = bitmap.width;
              canvas.height = bitmap.height;
            }
            ctx.drawImage(bitmap, 0, 0);
            bitmap.close();
            state.frames++;
          }).catch(() => {}).finally(() => { drawing = false; });
        }
      }
    } catch (e) {
      document.getElementById("status").textContent = String(e.message || e);
    }
    await new Promise((r) => setTimeout(r, 1000)); // the run ended or the server is busy: try again
  }
}

const HEADER_END = [13, 10, 13, 10];
function indexOf(bytes, pattern, from) {
  outer: for (let i = from; i <= bytes.length - pattern.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    return i;
  }
  return -1;
}

/** One complete part (headers with Content-Length, then the JPEG) at the start of the buffer, or null. */
function nextPart(bytes) {
  const head = indexOf(bytes, HEADER_END, 0);
  if (head < 0) return null;
  const headers = new TextDecoder().decode(bytes.subarray(0, head));
  const m = /Content-Length:\s*(\d+)/i.exec(headers);
  if (!m) return null;
  const start = head + 4;
  const length = Number(m[1]);
  if (bytes.length < start + length + 2) return null;
  return { jpeg: bytes.slice(start, start + length), end: start + length + 2 };
}

// ------------------------------------------------------------------ charts
const STAGES = ["capture", "preprocess", "inference", "postprocess"];
const STAGE_COLOURS = ["#8dd3c7", "#ffffb3", "#fb8072", "#80b1d3"];
const data = { t: [], stage: STAGES.map(() => []), stage99: STAGES.map(() => []), e2e50: [], e2e99: [], fps: [], dropped: [], stale: [],
  viewerDrops: [], miou: [], absrel: [], confidence: [], uncertain: [] };

function chart(el, series, height) {
  const width = Math.max(380, document.getElementById(el).clientWidth - 8);
  return new uPlot({ width, height, series: [{}].concat(series), axes: [{ stroke: "#999", grid: { stroke: "#333" } },
    { stroke: "#999", grid: { stroke: "#333" } }], scales: { x: { time: false } } }, [[]].concat(series.map(() => [])),
  document.getElementById(el));
}

let latencyChart, e2eChart, rateChart, accuracyChart, confidenceChart;
function charts() {
  latencyChart = chart("latency", STAGES.map((s, i) => ({ label: s + " p50", stroke: STAGE_COLOURS[i], width: 1.5 }))
    .concat(STAGES.map((s, i) => ({ label: "p99", stroke: STAGE_COLOURS[i], width: 1, dash: [4, 3] }))), 190);
  e2eChart = chart("e2e", [{ label: "p50", stroke: "#fdb462", width: 1.5 }, { label: "p99", stroke: "#e41a1c", width: 1 }], 150);
  rateChart = chart("rate", [{ label: "fps", stroke: "#b3de69", width: 1.5 }, { label: "dropped", stroke: "#bc80bd" },
    { label: "stale", stroke: "#ccebc5" }, { label: "viewer skips", stroke: "#999" }], 150);
  accuracyChart = chart("accuracy", [{ label: "mIoU %", stroke: "#80b1d3", width: 1.5 },
    { label: "AbsRel ×100", stroke: "#fb8072", width: 1.5 }], 150);
  confidenceChart = chart("confidence", [{ label: "mean %", stroke: "#b3de69", width: 1.5 },
    { label: "uncertain pixels %", stroke: "#fdb462", width: 1.5 }], 150);
}

function push(array, value) {
  array.push(value === null || value === undefined ? null : value);
  if (array.length > MAX_POINTS) array.shift();
}

/** Shows a chart's box and adds a sample of two ratios to it, as percentages, its series padded to the time axis. */
function percentChart(box, plot, series, values) {
  document.getElementById(box).style.display = "";
  series.forEach((a, i) => push(a, values[i] === null ? null : 100 * values[i]));
  while (series[0].length < data.t.length) series.forEach(a => a.unshift(null));
  plot.setData([data.t].concat(series));
}

function sample(s) {
  push(data.t, s.t);
  STAGES.forEach((name, i) => push(data.stage[i], s.latency[name] ? s.latency[name].p50 : null));
  STAGES.forEach((name, i) => push(data.stage99[i], s.latency[name] ? s.latency[name].p99 : null));
  push(data.e2e50, s.latency.end_to_end ? s.latency.end_to_end.p50 : null);
  push(data.e2e99, s.latency.end_to_end ? s.latency.end_to_end.p99 : null);
  push(data.fps, s.fps);
  push(data.dropped, s.dropped);
  push(data.stale, s.stale);
  push(data.viewerDrops, s.viewerDrops);
  latencyChart.setData([data.t].concat(data.stage, data.stage99));
  e2eChart.setData([data.t, data.e2e50, data.e2e99]);
  rateChart.setData([data.t, data.fps, data.dropped, data.stale, data.viewerDrops]);
  if (s.confidence) {
    percentChart("confidence-box", confidenceChart, [data.confidence, data.uncertain],
      [s.confidence.mean, s.confidence.uncertain]);
  }
  if (s.accuracy) {
    percentChart("accuracy-box", accuracyChart, [data.miou, data.absrel], [s.accuracy.miou, s.accuracy.absrel]);
  }
  const e2e = s.latency.end_to_end;
  document.getElementById("figures").textContent = `${s.processed} frames, ` +
    (s.fps === null ? "– fps" : `${s.fps.toFixed(1)} fps`) +
    (e2e ? `, end to end p50 ${e2e.p50.toFixed(1)} ms, p99 ${e2e.p99.toFixed(1)} ms` : "") +
    `, dropped ${s.dropped}, stale ${s.stale}` +
    (s.confidence && s.confidence.mean !== null ? `, confidence ${s.confidence.mean.toFixed(2)}` +
      (s.confidence.low ? " LOW" : "") : "") +
    (s.camera && s.camera.issues.length ? `, CAMERA ${s.camera.issues.join(", ").replace(/_/g, " ")}` : "") +
    (s.accuracy && s.accuracy.miou !== null ? `, mIoU ${(100 * s.accuracy.miou).toFixed(1)} %` +
      ` AbsRel ${s.accuracy.absrel === null ? "–" : s.accuracy.absrel.toFixed(3)}` : "");
  state.points = data.t.length;
}

function info(i) {
  state.info = i;
  document.getElementById("about").textContent =
    `model ${i.model} (${i.inputSize}) · ${i.engine} · source ${i.source}`;
  const legend = document.getElementById("legend");
  legend.textContent = "";
  for (const c of i.classes) {
    const span = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = c.color;
    span.appendChild(swatch);
    span.appendChild(document.createTextNode(c.name));
    legend.appendChild(span);
  }
}

charts();
const events = new EventSource("events");
events.addEventListener("info", (e) => info(JSON.parse(e.data)));
events.onmessage = (e) => sample(JSON.parse(e.data));
events.onerror = () => { document.getElementById("status").textContent = "(run ended or not reachable)"; };
video();
