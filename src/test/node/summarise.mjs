// Shared by the reference tools: a decoded message made printable as JSON. Typed and byte arrays longer than 16
// become {length, sum (of the underlying bytes mod 2^32), first (first 8 values)}; BigInts become strings.
export function summarise(value) {
  if (value instanceof Uint8Array || ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let sum = 0;
    for (const b of bytes) sum = (sum + b) >>> 0;
    return { length: value.length, sum, first: Array.from(value.slice(0, 8), Number) };
  }
  if (Array.isArray(value)) return value.length > 16 ? { length: value.length } : value.map(summarise);
  if (typeof value === "bigint") return value.toString();
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = summarise(v);
    return out;
  }
  return value;
}
