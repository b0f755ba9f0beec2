/**
 * UTF-8 validation with Rust's `Utf8Error` semantics (`valid_up_to`, `error_len`), which the
 * streaming parser needs to emit the same deltas and U+FFFD replacements as harmony.
 */

export interface Utf8Check {
  /** Bytes before the first problem (all of them when the input is valid). */
  validUpTo: number;
  /** Length of the invalid sequence, or undefined when the input just ends mid-character (or is valid). */
  errorLen: number | undefined;
  valid: boolean;
}

const cont = (b: number | undefined): boolean => b !== undefined && b >= 0x80 && b <= 0xbf;

export function checkUtf8(bytes: Uint8Array): Utf8Check {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const first = bytes[i]!;
    if (first < 0x80) {
      i++;
      continue;
    }
    const bad = (errorLen: number | undefined): Utf8Check => ({ validUpTo: i, errorLen, valid: false });
    let width: number;
    if (first >= 0xc2 && first <= 0xdf) width = 2;
    else if (first >= 0xe0 && first <= 0xef) width = 3;
    else if (first >= 0xf0 && first <= 0xf4) width = 4;
    else return bad(1);
    if (i + 1 >= n) return bad(undefined);
    const second = bytes[i + 1]!;
    let secondOk: boolean;
    if (width === 2) secondOk = cont(second);
    else if (width === 3) {
      if (first === 0xe0) secondOk = second >= 0xa0 && second <= 0xbf;
      else if (first === 0xed) secondOk = second >= 0x80 && second <= 0x9f;
      else secondOk = cont(second);
    } else if (first === 0xf0) secondOk = second >= 0x90 && second <= 0xbf;
    else if (first === 0xf4) secondOk = second >= 0x80 && second <= 0x8f;
    else secondOk = cont(second);
    if (!secondOk) return bad(1);
    for (let k = 2; k < width; k++) {
      if (i + k >= n) return bad(undefined);
      if (!cont(bytes[i + k])) return bad(k);
    }
    i += width;
  }
  return { validUpTo: n, errorLen: undefined, valid: true };
}

const lossyDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Rust's `String::from_utf8_lossy` (maximal-subpart U+FFFD replacement, as WHATWG decoding). */
export function decodeLossy(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}

/** Rust's `String::from_utf8`: undefined where the bytes are not valid UTF-8. */
export function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
