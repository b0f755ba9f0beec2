/**
 * Where a checkpoint's tensors live: one safetensors file, or the shards that a transformers
 * `model.safetensors.index.json` names (found through its weight_map, never from file names).
 */
import { isAbsolute, join, normalize } from 'node:path';
import { FileFormatError, TensorError } from '../core/errors.js';
import type { FileMapper } from '../core/mapping.js';
import { readJsonFile } from './config.js';
import { SafetensorsFile } from './safetensors.js';
import type { TensorSource } from './tensor-source-types.js';

export type { TensorSource } from './tensor-source-types.js';

export function singleFileSource(file: string, mapper?: FileMapper): TensorSource {
  const st = SafetensorsFile.open(file, mapper);
  return {
    files: [file],
    label: file,
    entry: (name) => st.header.entries.get(name),
    fileOf: () => file,
    names: () => [...st.header.entries.keys()],
    read: (name) => st.read(name),
    close: () => st.close(),
  };
}

/** Opens every shard an index names and checks that each listed tensor is where the index says. */
export function shardedSource(dir: string, indexFile: string, mapper?: FileMapper): TensorSource {
  const json = readJsonFile(indexFile);
  const weightMap = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['weight_map'] : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new FileFormatError(indexFile, "expected an object with a 'weight_map' of tensor name -> shard file");
  }
  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '' || isAbsolute(shard) || normalize(shard).startsWith('..')) {
      throw new FileFormatError(indexFile, `weight_map['${name}'] must be a shard file name inside ${dir}, got ${JSON.stringify(shard)}`);
    }
    shardOf.set(name, shard);
  }
  if (shardOf.size === 0) throw new FileFormatError(indexFile, 'weight_map is empty');

  const shards = new Map<string, SafetensorsFile>();
  try {
    for (const shard of new Set(shardOf.values())) shards.set(shard, SafetensorsFile.open(join(dir, shard), mapper));
  } catch (e) {
    for (const s of shards.values()) s.close();
    throw e;
  }
  for (const [name, shard] of shardOf) {
    const st = shards.get(shard)!;
    if (!st.has(name)) {
      for (const s of shards.values()) s.close();
      throw new TensorError('missing_tensor', `${st.file}: tensor '${name}' is listed for this shard in ${indexFile} but the shard does not hold it`);
    }
  }
  const fileFor = (name: string): SafetensorsFile => {
    const shard = shardOf.get(name);
    const st = shard === undefined ? undefined : shards.get(shard);
    if (!st) throw new TensorError('missing_tensor', `${indexFile}: tensor '${name}' is not in the weight_map`);
    return st;
  };
  return {
    files: [...shards.values()].map((s) => s.file),
    label: indexFile,
    entry: (name) => {
      const shard = shardOf.get(name);
      return shard === undefined ? undefined : shards.get(shard)?.header.entries.get(name);
    },
    fileOf: (name) => (shardOf.has(name) ? fileFor(name).file : indexFile),
    names: () => [...shardOf.keys()],
    read: (name) => fileFor(name).read(name),
    close: () => {
      for (const s of shards.values()) s.close();
    },
  };
}
