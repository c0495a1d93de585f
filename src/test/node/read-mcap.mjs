#!/usr/bin/env node
// Reads an MCAP file with the official @mcap/core readers (reference side of roadseg's MCAP tests)
// and prints one JSON object describing it.
//
// node read-mcap.mjs FILE
//
// McapIndexedReader is used when the file has a footer and a summary with chunk indexes; otherwise
// (no summary, truncated file, ...) McapStreamReader reads the file front to back and stops at the
// first incomplete or corrupt record, reporting why in "error" instead of crashing.
import { readFile } from "node:fs/promises";

import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { loadDecompressHandlers, protobufFromBinaryDescriptor } from "@mcap/support";
import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: node read-mcap.mjs FILE\n");
  process.exit(2);
}

const bytes = new Uint8Array(await readFile(file));
const decompressHandlers = await loadDecompressHandlers();

// --- JSON-safe summaries of decoded values ---------------------------------------------------

const BIG_ARRAY = 16;

function toJsonValue(value) {
  if (typeof value === "bigint") return value.toString();
  if (value == null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return summarizeTyped(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  // protobufjs Long (if any slipped through)
  if (typeof value.low === "number" && typeof value.high === "number" && typeof value.unsigned === "boolean") {
    return value.toString();
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
  return out;
}

// Typed arrays (uint8[] data, bytes, float32[] ...) longer than 16 elements become
// {length: element count, sum: sum of the underlying bytes mod 2^32, first: first 8 elements}.
function summarizeTyped(view) {
  const elements = view instanceof DataView ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : view;
  const plain = (arr) => Array.from(arr, (v) => (typeof v === "bigint" ? v.toString() : v));
  if (elements.length <= BIG_ARRAY) return plain(elements);
  const raw = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let sum = 0;
  for (let i = 0; i < raw.length; i++) sum = (sum + raw[i]) >>> 0;
  return { length: elements.length, sum, first: plain(elements.subarray(0, 8)) };
}

// --- per-channel decoders ----------------------------------------------------------------------

function makeDecoder(channel, schema) {
  const enc = channel.messageEncoding;
  if (enc === "cdr" || enc === "ros2") {
    if (!schema || schema.encoding !== "ros2msg") {
      throw new Error(`cdr channel ${channel.topic} needs a ros2msg schema, has ${schema?.encoding ?? "none"}`);
    }
    const reader = new MessageReader(parseRosMsg(new TextDecoder().decode(schema.data), { ros2: true }));
    return (data) => reader.readMessage(data);
  }
  if (enc === "json") {
    return (data) => JSON.parse(new TextDecoder().decode(data));
  }
  if (enc === "protobuf") {
    if (!schema || schema.encoding !== "protobuf") {
      throw new Error(`protobuf channel ${channel.topic} needs a protobuf schema, has ${schema?.encoding ?? "none"}`);
    }
    const type = protobufFromBinaryDescriptor(schema.data).lookupType(schema.name);
    return (data) =>
      type.toObject(type.decode(data), { longs: String, enums: String, defaults: true });
  }
  return (data) => ({ _undecoded: summarizeTyped(data) });
}

// --- collection ------------------------------------------------------------------------------

const channels = new Map(); // id -> entry
const schemas = new Map(); // id -> schema record

function channelEntry(channel) {
  let entry = channels.get(channel.id);
  if (entry) return entry;
  const schema = channel.schemaId === 0 ? undefined : schemas.get(channel.schemaId);
  let decode;
  let decoderError = null;
  try {
    decode = makeDecoder(channel, schema);
  } catch (err) {
    decoderError = String(err?.message ?? err);
    decode = (data) => ({ _undecoded: summarizeTyped(data) });
  }
  entry = {
    out: {
      id: channel.id,
      topic: channel.topic,
      schemaName: schema?.name ?? null,
      schemaEncoding: schema?.encoding ?? null,
      messageEncoding: channel.messageEncoding,
      metadata: Object.fromEntries(channel.metadata),
      count: 0,
      messages: [],
      decoderError,
    },
    decode,
    last: undefined,
  };
  channels.set(channel.id, entry);
  return entry;
}

function onMessage(message, channel) {
  const entry = channelEntry(channel);
  const index = entry.out.count++;
  const item = () => {
    let fields;
    try {
      fields = toJsonValue(entry.decode(message.data));
    } catch (err) {
      fields = { _decodeError: String(err?.message ?? err), _undecoded: summarizeTyped(message.data) };
    }
    return {
      index,
      logTime: message.logTime.toString(),
      publishTime: message.publishTime.toString(),
      sequence: message.sequence,
      fields,
    };
  };
  if (index < 3) entry.out.messages.push(item());
  else entry.last = item; // decoded lazily: only the final one is printed
}

function statisticsJson(stats) {
  if (!stats) return null;
  return {
    messageCount: stats.messageCount.toString(),
    schemaCount: stats.schemaCount,
    channelCount: stats.channelCount,
    attachmentCount: stats.attachmentCount,
    metadataCount: stats.metadataCount,
    chunkCount: stats.chunkCount,
    messageStartTime: stats.messageStartTime.toString(),
    messageEndTime: stats.messageEndTime.toString(),
    channelMessageCounts: Object.fromEntries(
      [...stats.channelMessageCounts].map(([id, n]) => [String(id), n.toString()]),
    ),
  };
}

const result = {
  file,
  size: bytes.length,
  reader: null,
  indexedError: null, // why McapIndexedReader was not used, when it was not
  profile: null,
  library: null,
  error: null,
  channels: [],
  statistics: null,
  chunkCount: 0,
  chunkCompression: [],
};

async function readIndexed() {
  const readable = {
    size: async () => BigInt(bytes.length),
    read: async (offset, size) => {
      if (offset + size > BigInt(bytes.length)) throw new Error(`read past end of file (${offset}+${size})`);
      return bytes.subarray(Number(offset), Number(offset + size));
    },
  };
  const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers });
  if (reader.chunkIndexes.length === 0) throw new Error("summary has no chunk indexes");
  return reader;
}

let indexed;
try {
  indexed = await readIndexed();
} catch (err) {
  result.indexedError = String(err?.message ?? err);
}

if (indexed) {
  result.reader = "indexed";
  result.profile = indexed.header.profile;
  result.library = indexed.header.library;
  for (const [id, schema] of indexed.schemasById) schemas.set(id, schema);
  for (const channel of indexed.channelsById.values()) channelEntry(channel);
  result.statistics = statisticsJson(indexed.statistics);
  result.chunkCount = indexed.chunkIndexes.length;
  result.chunkCompression = [...new Set(indexed.chunkIndexes.map((c) => c.compression))];
  try {
    for await (const message of indexed.readMessages()) {
      onMessage(message, indexed.channelsById.get(message.channelId));
    }
  } catch (err) {
    result.error = String(err?.message ?? err);
  }
} else {
  result.reader = "stream";
  const reader = new McapStreamReader({ includeChunks: true, decompressHandlers, validateCrcs: true });
  const compressions = new Set();
  const channelsById = new Map();
  try {
    reader.append(bytes);
    for (let record; (record = reader.nextRecord()); ) {
      switch (record.type) {
        case "Header":
          result.profile = record.profile;
          result.library = record.library;
          break;
        case "Schema":
          schemas.set(record.id, record);
          break;
        case "Channel":
          if (!channelsById.has(record.id)) {
            channelsById.set(record.id, record);
            channelEntry(record);
          }
          break;
        case "Message": {
          const channel = channelsById.get(record.channelId);
          if (!channel) throw new Error(`message on unknown channel ${record.channelId}`);
          onMessage(record, channel);
          break;
        }
        case "Chunk":
          result.chunkCount++;
          compressions.add(record.compression);
          break;
        case "Statistics":
          result.statistics = statisticsJson(record);
          break;
        default:
          break;
      }
    }
    if (!reader.done()) {
      result.error = `truncated: no footer/closing magic; ${reader.bytesRemaining()} trailing bytes do not form a complete record`;
    }
  } catch (err) {
    result.error = String(err?.message ?? err);
  }
  result.chunkCompression = [...compressions];
}

for (const entry of channels.values()) {
  if (entry.last) entry.out.messages.push(entry.last());
  result.channels.push(entry.out);
}
result.channels.sort((a, b) => a.id - b.id);

process.stdout.write(JSON.stringify(result) + "\n");
