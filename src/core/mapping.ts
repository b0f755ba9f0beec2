/**
 * How `format/` gets bytes of a file without knowing whether the native addon exists: a file
 * mapper returns a read-only view of the whole file (mmap) or null when it cannot map. `engine`
 * passes the native mapper to openCheckpoint when the addon loads; without one, format reads
 * positionally.
 */
export interface FileMapping {
  /** The whole file. A typed array spans at most 4 GiB in Node 20: prefer `view` where present. */
  readonly bytes: Uint8Array;
  /** Bytes [begin, end) of the file without copying, for files of any size (the native mapper has it). */
  view?(begin: number, end: number): Uint8Array;
  close(): void;
}

export type FileMapper = (path: string) => FileMapping | null;
