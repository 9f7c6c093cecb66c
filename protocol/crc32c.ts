/**
 * CRC32C (Castagnoli), table-driven slicing-by-8, in plain JavaScript so browsers can checksum the batches they
 * produce. The broker uses the hardware version from @node-rs/crc32; a unit test keeps the two in agreement.
 */
const POLY = 0x82f63b78;
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] ?? 0;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] ?? 0) ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC32C of `data`, continuing from `initial` (0 for a fresh checksum). */
export function crc32c(data: Uint8Array, initial = 0): number {
  const t = TABLES;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let crc = ~initial >>> 0;
  let i = 0;
  const end8 = data.byteLength - (data.byteLength % 8);
  for (; i < end8; i += 8) {
    const lo = (crc ^ view.getUint32(i, true)) >>> 0;
    const hi = view.getUint32(i + 4, true);
    crc =
      (t[7 * 256 + (lo & 0xff)] ?? 0) ^
      (t[6 * 256 + ((lo >>> 8) & 0xff)] ?? 0) ^
      (t[5 * 256 + ((lo >>> 16) & 0xff)] ?? 0) ^
      (t[4 * 256 + (lo >>> 24)] ?? 0) ^
      (t[3 * 256 + (hi & 0xff)] ?? 0) ^
      (t[2 * 256 + ((hi >>> 8) & 0xff)] ?? 0) ^
      (t[256 + ((hi >>> 16) & 0xff)] ?? 0) ^
      (t[hi >>> 24] ?? 0);
  }
  for (; i < data.byteLength; i++) crc = (t[(crc ^ view.getUint8(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return ~crc >>> 0;
}
