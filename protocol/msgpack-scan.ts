/**
 * A structural pre-check of untrusted msgpack, run before msgpackr sees the bytes. msgpackr trusts the counts in
 * container headers (a 5-byte `dd ffffffff` asks for a 4-billion-slot array) and recurses without bound, so a tiny
 * hostile frame could exhaust memory or the stack. This walk allocates nothing and rejects: containers that
 * declare more elements than there are bytes left, nesting deeper than `maxDepth`, extension types (Brook uses
 * none), non-string map keys, the reserved 0xc1 byte, truncation, and trailing bytes after the single value.
 */
import { ProtocolError } from './errors.js';

const MAX_STACK = 256;
// Scratch stacks shared by every call: the walk is synchronous and never re-entered, and allocating them per frame
// cost about a third of the server's CPU on small frames.
const remaining = new Float64Array(MAX_STACK + 1);
const isMap = new Uint8Array(MAX_STACK + 1);

/** Throws a {@link ProtocolError} unless `buf` holds exactly one msgpack value that is safe to decode. */
export function checkMsgpack(buf: Uint8Array, maxDepth: number): void {
  if (maxDepth > MAX_STACK) throw new RangeError(`maxDepth above ${String(MAX_STACK)}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = buf.byteLength;
  // remaining[d] = values still expected at depth d; isMap[d] = depth d is a map (keys and values alternate).
  let depth = 0;
  isMap[0] = 0;
  remaining[0] = 1;
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > end) throw new ProtocolError('truncated msgpack value');
  };
  const open = (count: number, map: boolean): void => {
    const values = map ? count * 2 : count;
    if (values > end - pos) throw new ProtocolError('msgpack container declares more elements than the frame holds');
    if (values === 0) return;
    if (depth + 1 > maxDepth) throw new ProtocolError(`msgpack nesting deeper than ${String(maxDepth)}`);
    depth++;
    remaining[depth] = values;
    isMap[depth] = map ? 1 : 0;
  };

  while (depth >= 0) {
    if (remaining[depth] === 0) {
      depth--;
      continue;
    }
    const left = (remaining[depth] ?? 0) - 1;
    remaining[depth] = left;
    need(1);
    const b = buf[pos++] ?? 0;
    // In a map, values alternate key, value: an odd count left means this one is a key.
    const mustBeKey = isMap[depth] === 1 && left % 2 === 1;
    const isString = (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
    if (mustBeKey && !isString) throw new ProtocolError('msgpack map key is not a string');

    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    if (b >= 0xa0 && b <= 0xbf) {
      need(b & 0x1f);
      pos += b & 0x1f;
      continue;
    }
    if (b >= 0x90 && b <= 0x9f) {
      open(b & 0x0f, false);
      continue;
    }
    if (b >= 0x80 && b <= 0x8f) {
      open(b & 0x0f, true);
      continue;
    }
    switch (b) {
      case 0xcc:
      case 0xd0:
        need(1);
        pos += 1;
        break;
      case 0xcd:
      case 0xd1:
        need(2);
        pos += 2;
        break;
      case 0xca:
      case 0xce:
      case 0xd2:
        need(4);
        pos += 4;
        break;
      case 0xcb:
      case 0xcf:
      case 0xd3:
        need(8);
        pos += 8;
        break;
      case 0xc4:
      case 0xd9:
        need(1);
        pos += 1 + view.getUint8(pos);
        need(0);
        break;
      case 0xc5:
      case 0xda:
        need(2);
        pos += 2 + view.getUint16(pos);
        need(0);
        break;
      case 0xc6:
      case 0xdb:
        need(4);
        pos += 4 + view.getUint32(pos);
        need(0);
        break;
      case 0xdc:
        need(2);
        pos += 2;
        open(view.getUint16(pos - 2), false);
        break;
      case 0xdd:
        need(4);
        pos += 4;
        open(view.getUint32(pos - 4), false);
        break;
      case 0xde:
        need(2);
        pos += 2;
        open(view.getUint16(pos - 2), true);
        break;
      case 0xdf:
        need(4);
        pos += 4;
        open(view.getUint32(pos - 4), true);
        break;
      default:
        throw new ProtocolError(`msgpack type 0x${b.toString(16)} is not allowed`);
    }
  }
  if (pos !== end) throw new ProtocolError('trailing bytes after msgpack value');
}
