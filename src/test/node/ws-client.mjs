#!/usr/bin/env node
// Foxglove WebSocket viewer (reference side of roadseg's --serve tests), with the official @foxglove/ws-protocol
// FoxgloveClient over `ws`: connects, subscribes to every advertised channel, decodes CDR messages with
// @foxglove/rosmsg2-serialization against the advertised ros2msg schema (json channels with JSON.parse), and stops
// once every channel has --count messages or after --timeout seconds.
//
// node ws-client.mjs URL [--count 5] [--timeout 30] [--subprotocol foxglove.websocket.v1]
//
// Prints one JSON object: {"subprotocol", "serverInfo", "channels":[{"id","topic","encoding","schemaName",
//   "count","first": decoded fields of the first message (byte arrays summarised), "timestamps":[first 3 as strings],
//   "decodeError"}], "timedOut": bool}
import { parseArgs } from "node:util";
import wsProtocol from "@foxglove/ws-protocol";
const { FoxgloveClient } = wsProtocol;
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import { summarise } from "./summarise.mjs";
import WebSocket from "ws";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: "string", default: "5" },
    timeout: { type: "string", default: "30" },
    subprotocol: { type: "string", default: FoxgloveClient.SUPPORTED_SUBPROTOCOL },
  },
});
const url = positionals[0];
const want = Number(values.count);


const ws = new WebSocket(url, [values.subprotocol]);
const client = new FoxgloveClient({ ws });
const channels = new Map();
const bySubscription = new Map();
let serverInfo = null;
let done = false;

function finish(timedOut) {
  if (done) return;
  done = true;
  const out = {
    subprotocol: ws.protocol,
    serverInfo,
    timedOut,
    channels: [...channels.values()].map((c) => ({
      id: c.id, topic: c.topic, encoding: c.encoding, schemaName: c.schemaName, count: c.count,
      first: c.first, timestamps: c.timestamps, decodeError: c.decodeError,
    })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  client.close();
  process.exit(0);
}

client.on("serverInfo", (info) => { serverInfo = info; });
client.on("advertise", (advertised) => {
  for (const ch of advertised) {
    const entry = { ...ch, count: 0, first: null, timestamps: [], decodeError: null, reader: null };
    try {
      if (ch.encoding === "cdr") {
        entry.reader = new MessageReader(parseRosMsg(ch.schema, { ros2: true }));
      }
    } catch (e) {
      entry.decodeError = String(e);
    }
    channels.set(ch.id, entry);
    bySubscription.set(client.subscribe(ch.id), entry);
  }
});
client.on("message", ({ subscriptionId, timestamp, data }) => {
  const entry = bySubscription.get(subscriptionId);
  if (!entry) return;
  entry.count++;
  if (entry.timestamps.length < 3) entry.timestamps.push(timestamp.toString());
  if (entry.first === null && entry.decodeError === null) {
    try {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      entry.first = entry.encoding === "cdr" ? summarise(entry.reader.readMessage(bytes))
        : JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      entry.decodeError = String(e);
    }
  }
  if (channels.size > 0 && [...channels.values()].every((c) => c.count >= want)) finish(false);
});
client.on("error", (e) => { process.stderr.write(`ws-client: ${e}\n`); });
client.on("close", () => finish(false));
setTimeout(() => finish(true), Number(values.timeout) * 1000);
