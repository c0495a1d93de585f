#!/usr/bin/env node
// Says of every chunk of an indexed MCAP file whether the official @mcap/core reader can read it — its records
// decompressed and checked against the chunk's CRC-32 — and how many messages of each topic it holds: the other side
// of roadseg's damaged-chunk tests. Each chunk is handed on its own (after the file's channel records) to
// McapStreamReader with validateCrcs, the reader's own chunk decoding, so one damaged chunk does not hide the others.
// A ROS 1 bag (FILE.bag) is read the same way by @foxglove/rosbag: each chunk info's chunk read alone
// (BagReader.readChunkMessages, lz4 and bz2 decompressed as rosbag1-writer.mjs checks them).
//
// node check-chunks.mjs FILE   ->   {"chunks": [{"offset": N, "ok": true|false, "error": "...", "messages": {...}}]}
import { readFile } from "node:fs/promises";

import { McapIndexedReader, McapRecordBuilder, McapStreamReader } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";
import rosbag from "@foxglove/rosbag";
import nodeReader from "@foxglove/rosbag/dist/cjs/node/index.js";
import lz4 from "lz4js";
import compressjs from "compressjs";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: node check-chunks.mjs FILE\n");
  process.exit(2);
}

/** One chunk's verdict: the topics of the messages `read` yields, or why it threw. */
async function check(offset, read) {
  const entry = { offset, ok: true, messages: {} };
  try {
    for (const topic of await read()) entry.messages[topic] = (entry.messages[topic] ?? 0) + 1;
  } catch (err) {
    entry.ok = false;
    entry.error = String(err?.message ?? err);
    entry.messages = {};
  }
  return entry;
}

const chunks = [];
if (file.endsWith(".bag")) {
  const reader = new nodeReader.FileReader(file);
  const decompress = {
    lz4: (buffer, size) => Uint8Array.from(lz4.decompress(buffer, size)),
    bz2: (buffer) => Uint8Array.from(compressjs.Bzip2.decompressFile(buffer)),
  };
  const bag = new rosbag.Bag(reader, { parse: false, decompress });
  await bag.open();
  for (const info of bag.chunkInfos) {
    chunks.push(await check(info.chunkPosition, async () =>
      (await bag.reader.readChunkMessages(info, undefined, undefined, undefined, decompress))
        .map((m) => bag.connections.get(m.conn).topic)));
  }
  await reader.close();
} else {
  const bytes = new Uint8Array(await readFile(file));
  const decompressHandlers = await loadDecompressHandlers();
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (offset, size) => bytes.subarray(Number(offset), Number(offset + size)),
    },
    decompressHandlers,
  });
  const channelRecords = new McapRecordBuilder();
  for (const channel of reader.channelsById.values()) channelRecords.writeChannel(channel);
  for (const index of reader.chunkIndexes) {
    const offset = Number(index.chunkStartOffset);
    chunks.push(await check(offset, async () => {
      const stream = new McapStreamReader({ decompressHandlers, validateCrcs: true, noMagicPrefix: true });
      stream.append(channelRecords.buffer);
      stream.append(bytes.subarray(offset, offset + Number(index.chunkLength)));
      const topics = [];
      for (let record; (record = stream.nextRecord()); ) {
        if (record.type === "Message") topics.push(reader.channelsById.get(record.channelId).topic);
      }
      return topics;
    }));
  }
}
process.stdout.write(JSON.stringify({ chunks }) + "\n");
