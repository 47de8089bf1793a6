// What `droplet inspect`, `scan` and `advise` read at most (docs/scanning.md, "Limits"). Every input
// may come from someone else (a droplet store, an OSV mirror), so each file has a cap, each directory
// walk a file count, and `/dev/zero`, FIFOs, sockets and directories where a file is expected are
// refused before a byte is read (@cf-lifecycle/files).
import { FileInputError, formatCap, readFileBounded } from '@cf-lifecycle/files';

export const LIMITS = {
  /** A staging metadata file, beside a droplet or inside it: 100,000 dependencies take about 30 MiB. */
  metadataBytes: 32 * 1024 * 1024,
  /** The CycloneDX SBOM inside a droplet (more verbose than the metadata). */
  sbomBytes: 64 * 1024 * 1024,
  /** `DROPLET.result.json`: process types and buildpack metadata (bin/release output is capped at 1 MiB). */
  resultBytes: 4 * 1024 * 1024,
  /** `DROPLET.result.json.staging-id`: a UUID and a newline. */
  stagingIdBytes: 1024,
  /** One OSV file: a record is a few KiB, the largest real ones about 1 MiB. */
  osvFileBytes: 16 * 1024 * 1024,
  /** Files under an `--osv` directory: the whole OSV database is about 500,000 records. */
  osvFiles: 1_000_000,
  /** `--buildpacks FILE`. */
  buildpacksFileBytes: 4 * 1024 * 1024,
  /** Files under a PATH directory given to scan or advise. */
  walkFiles: 1_000_000,
} as const;

/** Why a file that is not gzip and is over the metadata cap is refused, told from its size alone. */
export function neitherDropletNorMetadata(size: number): string {
  const cap = formatCap(LIMITS.metadataBytes);
  return `neither a droplet (it does not start with gzip's magic bytes) nor staging metadata (${size} bytes, at most ${cap} are read)`;
}

/** An input file cannot be used (one line); the commands exit 2 with it. */
export class InputError extends Error {}

/** A whole file under its cap, or an InputError naming it. */
export function readInputBytes(file: string, what: string | undefined, maxBytes: number): Buffer {
  try {
    return readFileBounded(file, { maxBytes, ...(what !== undefined ? { what } : {}) });
  } catch (err) {
    if (err instanceof FileInputError) throw new InputError(err.message);
    throw err;
  }
}

/** A whole text file under its cap, or an InputError naming it. */
export function readInput(file: string, what: string | undefined, maxBytes: number): string {
  return readInputBytes(file, what, maxBytes).toString('utf8');
}
