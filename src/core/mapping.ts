/**
 * How `format/` gets bytes of a file without knowing whether the native addon exists: a file
 * mapper returns a read-only view of the whole file (mmap) or null when it cannot map. `engine`
 * installs the native mapper when the addon loads; without one, format falls back to positional reads.
 */
export interface FileMapping {
  readonly bytes: Uint8Array;
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
