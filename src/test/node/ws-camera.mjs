#!/usr/bin/env node
// A Foxglove WebSocket server publishing a camera, the role foxglove_bridge plays on a robot for roadseg's
// `run ws://HOST:PORT`: the official @foxglove/ws-protocol FoxgloveServer over `ws`, advertising a
// sensor_msgs/msg/CompressedImage channel (CDR, written by @foxglove/rosmsg2-serialization) and an odometry channel
// beside it; once a client subscribes to the camera it sends every *.jpg of --jpegs, in name order, --period-ms apart,
// each stamped START + i × period, then closes every connection normally (1000) and exits.
//
// node ws-camera.mjs --jpegs DIR [--port 0] [--period-ms 40] [--start-ns N] [--topic /camera/front/compressed]
//     [--frame-id camera_front] [--repeat K] [--timeout 60]
//
// Prints {"listening": PORT} first and {"sent": N} when done.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import wsProtocol from "@foxglove/ws-protocol";
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { WebSocketServer } from "ws";
const { FoxgloveServer } = wsProtocol;

const { values } = parseArgs({
  options: {
    jpegs: { type: "string" },
    port: { type: "string", default: "0" },
    "period-ms": { type: "string", default: "40" },
    "start-ns": { type: "string", default: "1700000000000000000" },
    topic: { type: "string", default: "/camera/front/compressed" },
    "frame-id": { type: "string", default: "camera_front" },
    repeat: { type: "string", default: "1" },
    timeout: { type: "string", default: "60" },
  },
});
if (!values.jpegs) {
  process.stderr.write("ws-camera: --jpegs DIR is required\n");
  process.exit(2);
}
const DELIMITER = "=".repeat(80) + "\n";
const COMPRESSED_IMAGE = "std_msgs/Header header\nstring format\nuint8[] data\n"
  + "\n" + DELIMITER + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n"
  + "\n" + DELIMITER + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
const writer = new MessageWriter(parseRosMsg(COMPRESSED_IMAGE, { ros2: true }));
const names = (await readdir(values.jpegs)).filter((n) => n.endsWith(".jpg")).sort();
const frames = await Promise.all(names.map((n) => readFile(path.join(values.jpegs, n))));

const server = new FoxgloveServer({ name: "reference-camera", capabilities: [], supportedEncodings: ["cdr"] });
server.addChannel({ topic: "/odom", encoding: "cdr", schemaName: "nav_msgs/msg/Odometry", schema: "" });
const camera = server.addChannel({
  topic: values.topic, encoding: "cdr", schemaName: "sensor_msgs/msg/CompressedImage", schema: COMPRESSED_IMAGE,
});
const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(values.port),
  handleProtocols: (protocols) => server.handleProtocols(protocols),
});
let started = false;
let sent = 0;
function finish() {
  for (const client of wss.clients) client.close(1000, "done");
  process.stdout.write(JSON.stringify({ sent }) + "\n");
  setTimeout(() => process.exit(0), 200);
}
server.on("subscribe", (channelId) => {
  if (channelId !== camera || started) return;
  started = true;
  const period = Number(values["period-ms"]);
  const total = frames.length * Number(values.repeat);
  const start = BigInt(values["start-ns"]);
  const timer = setInterval(() => {
    if (sent >= total) {
      clearInterval(timer);
      setTimeout(finish, 300);
      return;
    }
    const t = start + BigInt(sent) * BigInt(period) * 1_000_000n;
    const stamp = { sec: Number(t / 1_000_000_000n), nanosec: Number(t % 1_000_000_000n) };
    const data = writer.writeMessage({
      header: { stamp, frame_id: values["frame-id"] }, format: "jpeg", data: frames[sent % frames.length],
    });
    server.sendMessage(camera, t, data);
    sent++;
  }, period);
});
server.on("error", (e) => process.stderr.write(`ws-camera: ${e}\n`));
wss.on("listening", () => process.stdout.write(JSON.stringify({ listening: wss.address().port }) + "\n"));
wss.on("connection", (conn, req) => server.handleConnection(conn, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
setTimeout(finish, Number(values.timeout) * 1000);
