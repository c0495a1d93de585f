// A ROS 1 bag (format 2.0, http://wiki.ros.org/Bags/Format/2.0) as rosbag writes one: the bag header record padded to
// 4096 bytes, chunks of connection and message data records (uncompressed, lz4 or bz2), each followed by its index data
// records, then the connection records and the chunk info records the bag header points at. Used by make-fixture.mjs
// --rosbag1 with the same calls as @mcap/core's McapWriter; end() reads the file back with Foxglove's ROS 1 bag reader
// (@foxglove/rosbag) and fails unless every message comes back, byte for byte, on its topic at its time.
import { writeFile } from "node:fs/promises";
import lz4 from "lz4js";
import compressjs from "compressjs";
import { BagWriter } from "./bag-writer.mjs";
import rosbag from "@foxglove/rosbag";
const { Bag } = rosbag;
import nodeReader from "@foxglove/rosbag/dist/cjs/node/index.js";
const { FileReader } = nodeReader;

const enc = new TextEncoder();

function field(name, value) {
  const v = typeof value === "string" ? enc.encode(value) : value;
  const out = new Uint8Array(4 + name.length + 1 + v.length);
  new DataView(out.buffer).setUint32(0, name.length + 1 + v.length, true);
  out.set(enc.encode(name + "="), 4);
  out.set(v, 4 + name.length + 1);
  return out;
}
function u32(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function u64(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}
function time(ns) {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, Number(ns / 1_000_000_000n), true);
  v.setUint32(4, Number(ns % 1_000_000_000n), true);
  return b;
}
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function record(fields, data) {
  const header = concat(fields);
  return concat([u32(header.length), header, u32(data.length), data]);
}
const op = (o) => field("op", Uint8Array.of(o));

export class Rosbag1Writer extends BagWriter {
  // file: the .bag; compression: none | lz4 | bz2; chunkSize: uncompressed bytes after which a chunk is closed
  constructor({ file, compression = "none", chunkSize = 768 * 1024 }) {
    super("ros1", 0);
    this.file = file;
    this.compression = compression;
    this.chunkSize = chunkSize;
  }

  connectionRecord(id) {
    const c = this.channels.get(id);
    const schema = this.schemas.get(c.schemaId);
    const type = schema.name;
    const header = concat([field("topic", c.topic), field("type", type), field("md5sum", "*"),
      field("message_definition", new TextDecoder().decode(schema.data))]);
    return record([op(0x07), field("conn", u32(id)), field("topic", c.topic)], header);
  }

  async end() {
    const parts = [enc.encode("#ROSBAG V2.0\n")];
    let position = parts[0].length + 4096;
    const chunkInfos = [];
    // messages in time order, as rosbag writes them
    const messages = [...this.messages].sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
    let i = 0;
    while (i < messages.length) {
      const chunkPos = position;
      const inner = [];
      let size = 0;
      const seen = new Set();
      const index = new Map();
      let start = null;
      let end = null;
      while (i < messages.length && (size < this.chunkSize || inner.length === 0)) {
        const m = messages[i++];
        if (!seen.has(m.channelId)) {
          seen.add(m.channelId);
          const c = this.connectionRecord(m.channelId);
          inner.push(c);
          size += c.length;
        }
        if (!index.has(m.channelId)) index.set(m.channelId, []);
        index.get(m.channelId).push({ time: m.logTime, offset: size });
        const r = record([op(0x02), field("conn", u32(m.channelId)), field("time", time(m.logTime))], m.data);
        inner.push(r);
        size += r.length;
        start = start === null || m.logTime < start ? m.logTime : start;
        end = end === null || m.logTime > end ? m.logTime : end;
      }
      const plain = concat(inner);
      const data = this.compression === "lz4" ? Uint8Array.from(lz4.compress(plain))
        : this.compression === "bz2" ? Uint8Array.from(compressjs.Bzip2.compressFile(plain)) : plain;
      const chunk = record([op(0x05), field("compression", this.compression), field("size", u32(plain.length))],
        data);
      parts.push(chunk);
      position += chunk.length;
      for (const [conn, entries] of index) {
        const body = concat(entries.flatMap((e) => [time(e.time), u32(e.offset)]));
        const r = record([op(0x04), field("ver", u32(1)), field("conn", u32(conn)), field("count", u32(entries.length))],
          body);
        parts.push(r);
        position += r.length;
      }
      chunkInfos.push({ chunkPos, start, end, counts: [...index].map(([c, e]) => [c, e.length]) });
    }
    const indexPos = position;
    for (const id of this.channels.keys()) parts.push(this.connectionRecord(id));
    for (const ci of chunkInfos) {
      parts.push(record([op(0x06), field("ver", u32(1)), field("chunk_pos", u64(ci.chunkPos)),
        field("start_time", time(ci.start)), field("end_time", time(ci.end)), field("count", u32(ci.counts.length))],
      concat(ci.counts.flatMap(([c, n]) => [u32(c), u32(n)]))));
    }
    // the bag header record, padded with spaces to 4096 bytes
    const fields = [op(0x03), field("index_pos", u64(indexPos)), field("conn_count", u32(this.channels.size)),
      field("chunk_count", u32(chunkInfos.length))];
    const headerLength = concat(fields).length;
    const padding = new Uint8Array(4096 - 8 - headerLength).fill(0x20);
    parts.splice(1, 0, record(fields, padding));
    await writeFile(this.file, concat(parts));
    await this.check(messages);
  }

  /** Reads the bag back with @foxglove/rosbag: every message, on its topic, at its time, with its bytes. */
  async check(messages) {
    const reader = new FileReader(this.file);
    const bag = new Bag(reader, {
      parse: false,
      decompress: {
        lz4: (buffer, size) => Uint8Array.from(lz4.decompress(buffer, size)),
        bz2: (buffer) => Uint8Array.from(compressjs.Bzip2.decompressFile(buffer)),
      },
    });
    await bag.open();
    // the same messages, whatever the order among messages of one time (the reader merges connections by time)
    const key = (topic, t, data) => `${topic} ${t} ${Buffer.from(data).toString("base64")}`;
    const written = messages.map((m) => key(this.channels.get(m.channelId).topic, m.logTime, m.data)).sort();
    const read = [];
    for await (const r of bag.messageIterator()) {
      read.push(key(r.topic, BigInt(r.timestamp.sec) * 1_000_000_000n + BigInt(r.timestamp.nsec), r.data));
    }
    await reader.close();
    read.sort();
    if (read.length !== written.length) {
      throw new Error(`rosbag1-writer: ${read.length} of ${written.length} messages read back by @foxglove/rosbag`);
    }
    for (let n = 0; n < read.length; n++) {
      if (read[n] !== written[n]) throw new Error("rosbag1-writer: a message reads back differently with @foxglove/rosbag");
    }
  }
}
