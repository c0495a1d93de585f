// A ROS 2 bag in rosbag2's SQLite storage, written the way rosbag2_storage_sqlite3 writes one: the tables of its
// schema (Humble's version 3, or Jazzy's version 4 with message_definitions), one row per topic and per message (CDR
// bytes, receive time in nanoseconds), and metadata.yaml beside the .db3 files. SQLite itself writes the file (sql.js:
// SQLite compiled to WebAssembly), so the file format is SQLite's own. Used by make-fixture.mjs --rosbag2 with the same
// calls as @mcap/core's McapWriter (registerSchema, registerChannel, addMessage), so one fixture script writes both.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BagWriter } from "./bag-writer.mjs";
import initSqlJs from "sql.js";

const HUMBLE = [
  "CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);",
  "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);",
  "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,"
    + "serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL);",
  "CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, "
    + "data BLOB NOT NULL);",
  "CREATE INDEX timestamp_idx ON messages (timestamp ASC);",
];
const JAZZY = [
  "CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);",
  "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);",
  "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,"
    + "serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL,type_description_hash TEXT NOT NULL);",
  "CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,"
    + "encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL);",
  "CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, "
    + "data BLOB NOT NULL);",
  "CREATE INDEX timestamp_idx ON messages (timestamp ASC);",
];

export class Rosbag2Writer extends BagWriter {
  // dir: the bag folder; distro: humble | jazzy; splits: the number of .db3 files the messages are spread over (in
  // order); compress: a function compressing one message's bytes (message-mode zstd), or null; pageSize: SQLite's
  // filler: that many more small messages on /filler (std_msgs/msg/Empty), spread over the recording's time: a
  // messages table deep enough for interior pages over interior pages
  // compressFile: a function compressing a whole .db3 (file-mode zstd: NAME_N.db3.zstd), or null
  constructor({ dir, distro = "humble", splits = 1, compress = null, pageSize = 4096, filler = 0, compressFile = null }) {
    super("cdr", 1);
    this.compressFile = compressFile;
    this.filler = filler;
    this.dir = dir;
    this.distro = distro;
    this.splits = splits;
    this.compress = compress;
    this.pageSize = pageSize;
  }

  async end() {
    if (this.filler > 0 && this.messages.length > 0) {
      const schemaId = await this.registerSchema({ name: "std_msgs/msg/Empty", encoding: "ros2msg",
        data: new TextEncoder().encode("") });
      const channelId = await this.registerChannel({ topic: "/filler", schemaId, messageEncoding: "cdr" });
      const first = this.messages[0].logTime;
      const last = this.messages[this.messages.length - 1].logTime;
      const filler = [];
      for (let i = 0; i < this.filler; i++) {
        const logTime = first + ((last - first) * BigInt(i)) / BigInt(this.filler);
        filler.push({ channelId, logTime, data: new Uint8Array([0, 1, 0, 0]) });
      }
      // in time order with the others, as a recorder receives them
      this.messages = [...this.messages, ...filler].sort((a, b) => (a.logTime < b.logTime ? -1
        : a.logTime > b.logTime ? 1 : 0));
    }
    const SQL = await initSqlJs();
    await mkdir(this.dir, { recursive: true });
    const name = path.basename(this.dir);
    const per = Math.ceil(this.messages.length / this.splits);
    const files = [];
    const counts = new Map();
    for (let s = 0; s < this.splits; s++) {
      const db = new SQL.Database();
      db.run(`PRAGMA page_size = ${this.pageSize};`);
      for (const statement of this.distro === "jazzy" ? JAZZY : HUMBLE) db.run(statement);
      db.run("INSERT INTO schema VALUES (?, ?)", [this.distro === "jazzy" ? 4 : 3, this.distro]);
      const definitions = new Set();
      for (const [id, c] of this.channels) {
        const schema = this.schemas.get(c.schemaId);
        const type = schema.name;
        if (this.distro === "jazzy") {
          db.run("INSERT INTO topics VALUES (?, ?, ?, ?, ?, ?)", [id, c.topic, type, "cdr", "", ""]);
          if (!definitions.has(type)) {
            definitions.add(type);
            db.run("INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, "
              + "type_description_hash) VALUES (?, ?, ?, ?)", [type, "ros2msg",
              new TextDecoder().decode(schema.data), ""]);
          }
        } else {
          db.run("INSERT INTO topics VALUES (?, ?, ?, ?, ?)", [id, c.topic, type, "cdr", ""]);
        }
      }
      const insert = db.prepare("INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)");
      for (const m of this.messages.slice(s * per, (s + 1) * per)) {
        const data = this.compress ? this.compress(m.data) : m.data;
        insert.run([m.channelId, m.logTime.toString(), data]);
        counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
      }
      insert.free();
      const bytes = db.export();
      const file = `${name}_${s}.db3${this.compressFile ? ".zstd" : ""}`;
      await writeFile(path.join(this.dir, file), Buffer.from(this.compressFile ? this.compressFile(bytes) : bytes));
      db.close();
      files.push(file);
    }
    const times = this.messages.map((m) => m.logTime);
    const start = times.reduce((a, b) => (b < a ? b : a), times[0] ?? 0n);
    const end = times.reduce((a, b) => (b > a ? b : a), times[0] ?? 0n);
    const topics = [...this.channels].map(([id, c]) => `    - topic_metadata:\n        name: ${c.topic}\n`
      + `        type: ${this.schemas.get(c.schemaId).name}\n        serialization_format: cdr\n`
      + `        offered_qos_profiles: ""\n      message_count: ${counts.get(id) ?? 0}`).join("\n");
    const yaml = "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: sqlite3\n"
      + `  duration:\n    nanoseconds: ${end - start}\n  starting_time:\n    nanoseconds_since_epoch: ${start}\n`
      + `  message_count: ${this.messages.length}\n  topics_with_message_count:\n${topics}\n`
      + `  compression_format: "${this.compress || this.compressFile ? "zstd" : ""}"\n`
      + `  compression_mode: "${this.compress ? "MESSAGE" : this.compressFile ? "FILE" : ""}"\n`
      + `  relative_file_paths:\n${files.map((f) => `    - ${f}`).join("\n")}\n`;
    await writeFile(path.join(this.dir, "metadata.yaml"), yaml);
  }
}
