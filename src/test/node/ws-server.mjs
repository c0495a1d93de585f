#!/usr/bin/env node
// A Foxglove WebSocket server that accepts client publishing (the role foxglove_bridge plays for roadseg's
// --publish), with the official @foxglove/ws-protocol FoxgloveServer over `ws`. Decodes each published CDR message
// with @foxglove/rosmsg2-serialization against the schema the client advertised.
//
// node ws-server.mjs [--port 0] [--timeout 60] [--no-publish] [--tls-pfx FILE.p12 [--tls-passphrase P]]
//
// Prints {"listening": PORT} first, then, when the publishing client disconnects (or at the timeout), one JSON
// object: {"channels":[{"topic","encoding","schemaName","count","first","decodeError"}], "timedOut"}.
import { readFileSync } from "node:fs";
import https from "node:https";
import { parseArgs } from "node:util";
import wsProtocol from "@foxglove/ws-protocol";
const { FoxgloveServer } = wsProtocol;
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import { summarise } from "./summarise.mjs";
import { WebSocketServer } from "ws";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    timeout: { type: "string", default: "60" },
    "no-publish": { type: "boolean", default: false },
    "tls-pfx": { type: "string" },
    "tls-passphrase": { type: "string" },
  },
});
const server = new FoxgloveServer({
  name: "reference-bridge",
  capabilities: values["no-publish"] ? [] : ["clientPublish"],
  supportedEncodings: ["cdr"],
});
const channels = new Map();
let done = false;


function finish(timedOut) {
  if (done) return;
  done = true;
  const out = {
    timedOut,
    channels: [...channels.values()].map((c) => ({
      topic: c.topic, encoding: c.encoding, schemaName: c.schemaName, count: c.count, first: c.first,
      decodeError: c.decodeError,
    })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

server.on("advertise", (channel) => {
  const entry = { ...channel, count: 0, first: null, decodeError: null, reader: null };
  try {
    entry.reader = new MessageReader(parseRosMsg(channel.schema, { ros2: true }));
  } catch (e) {
    entry.decodeError = String(e);
  }
  channels.set(`${channel.client.name}/${channel.id}`, entry);
});
server.on("message", ({ client, channel, data }) => {
  const entry = channels.get(`${client.name}/${channel.id}`);
  if (!entry) return;
  entry.count++;
  if (entry.first === null && entry.reader) {
    try {
      entry.first = summarise(entry.reader.readMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    } catch (e) {
      entry.decodeError = String(e);
    }
  }
});
server.on("error", (e) => process.stderr.write(`ws-server: ${e}\n`));

// --tls-pfx FILE --tls-passphrase P: wss:// (foxglove_bridge's tls, certfile and keyfile), over node's own TLS
const tls = values["tls-pfx"]
  ? https.createServer({ pfx: readFileSync(values["tls-pfx"]), passphrase: values["tls-passphrase"] ?? "" })
  : null;
const wss = new WebSocketServer({
  ...(tls ? { server: tls } : { host: "127.0.0.1", port: Number(values.port) }),
  handleProtocols: (protocols) => server.handleProtocols(protocols),
});
const listening = () => process.stdout.write(JSON.stringify({ listening: (tls ?? wss).address().port }) + "\n");
if (tls) tls.listen(Number(values.port), "127.0.0.1", listening);
else wss.on("listening", listening);
wss.on("connection", (conn, req) => {
  server.handleConnection(conn, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
  conn.on("close", () => finish(false));
});
setTimeout(() => finish(true), Number(values.timeout) * 1000);
