#!/usr/bin/env node
// Reads Parquet files with hyparquet (a Parquet reader of its own, not Spark's) and prints every row as one JSON line,
// then {"columns": [...]} with each column's name and physical type as the file's schema states them: the other side
// of roadseg's Spark replay test.
//
// node read-parquet.mjs FILE.parquet...
import { readFile } from "node:fs/promises";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("read-parquet: give one or more .parquet files\n");
  process.exit(2);
}
let columns = null;
for (const file of files) {
  const bytes = await readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(buffer);
  columns ??= parquetSchema(metadata).children.map((c) => ({
    name: c.element.name, type: c.element.type ?? "GROUP", optional: c.element.repetition_type === "OPTIONAL",
  }));
  const rows = await parquetReadObjects({ file: buffer, metadata });
  for (const row of rows) {
    process.stdout.write(JSON.stringify(row, (k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
  }
}
process.stdout.write(JSON.stringify({ columns }) + "\n");
