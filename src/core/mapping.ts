/**
 * How `format/` gets bytes of a file without knowing whether the native addon exists: a file
 * mapper returns a read-only view of the whole file (mmap) or null when it cannot map. `engine`
 * installs the native mapper when the addon loads; without one, format falls back to positional reads.
 */
export interface FileMapping {
  /** The whole file. A typed array spans at most 4 GiB in Node 20: prefer `view` where present. */
  readonly bytes: Uint8Array;
  /** Bytes [begin, end) of the file without copying, for files of any size (the native mapper has it). */
  view?(begin: number, end: number): Uint8Array;
  close(): void;
}

export type FileMapper = (path: string) => FileMapping | null;

let installed: FileMapper | null = null;

export function setFileMapper(mapper: FileMapper | null): void {
  installed = mapper;
}

export function getFileMapper(): FileMapper | null {
  return installed;
}
