/**
 * A minimal GGUF v3 reader for the tests: written from the format description (ggml/include/gguf.h),
 * independently of src/format/gguf-writer.ts, so that a round trip checks the writer.
 */
export interface ReadKv {
  type: number;
  itemType?: number;
  value: unknown;
}

export interface ReadTensor {
  name: string;
  /** GGUF order: ne[0] (innermost) first. */
  ne: number[];
  type: number;
  offset: number;
}

export interface ReadGguf {
  magic: string;
  version: number;
  kv: Map<string, ReadKv>;
  tensors: ReadTensor[];
  dataStart: number;
  bytes: Buffer;
}

export function readGguf(bytes: Buffer): ReadGguf {
  let p = 0;
  const u32 = () => {
    const v = bytes.readUInt32LE(p);
    p += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(bytes.readBigUInt64LE(p));
    p += 8;
    return v;
  };
  const str = () => {
    const n = u64();
    const s = bytes.toString('utf8', p, p + n);
    p += n;
    return s;
  };
  const scalar = (type: number): unknown => {
    const readers: Record<number, () => unknown> = {
      0: () => bytes.readUInt8(p),
      1: () => bytes.readInt8(p),
      2: () => bytes.readUInt16LE(p),
      3: () => bytes.readInt16LE(p),
      4: () => bytes.readUInt32LE(p),
      5: () => bytes.readInt32LE(p),
      6: () => bytes.readFloatLE(p),
      7: () => bytes.readUInt8(p) !== 0,
      10: () => bytes.readBigUInt64LE(p),
      11: () => bytes.readBigInt64LE(p),
      12: () => bytes.readDoubleLE(p),
    };
    const sizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
    const r = readers[type];
    if (!r) throw new Error(`unknown gguf value type ${type} at ${p}`);
    const v = r();
    p += sizes[type]!;
    return v;
  };
  const magic = bytes.toString('latin1', 0, 4);
  p = 4;
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const kv = new Map<string, ReadKv>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    if (type === 8) kv.set(key, { type, value: str() });
    else if (type === 9) {
      const itemType = u32();
      const n = u64();
      const values: unknown[] = [];
      for (let j = 0; j < n; j++) values.push(itemType === 8 ? str() : scalar(itemType));
      kv.set(key, { type, itemType, value: values });
    } else kv.set(key, { type, value: scalar(type) });
  }
  const tensors: ReadTensor[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const ne: number[] = [];
    for (let d = 0; d < nd; d++) ne.push(u64());
    const type = u32();
    const offset = u64();
    tensors.push({ name, ne, type, offset });
  }
  const alignment = (kv.get('general.alignment')?.value as number | undefined) ?? 32;
  const dataStart = Math.ceil(p / alignment) * alignment;
  return { magic, version, kv, tensors, dataStart, bytes };
}
