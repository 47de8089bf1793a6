// What `droplet export` and `rebase` read at most (docs/oci.md, "Limits"). The droplet and the image
// archive are streamed; the JSON documents beside and inside them are read whole, so each has a cap,
// and `/dev/zero`, FIFOs and directories where a file is expected are refused before a byte is read.
import { FileInputError, readTextBounded } from '@cf-lifecycle/files';
import { OciError } from './errors.ts';

export const OCI_LIMITS = {
  /** The staging metadata, beside the droplet or inside it (as `droplet inspect` reads it). */
  metadataBytes: 32 * 1024 * 1024,
  /** The droplet's staging_info.yml, read for the start command. */
  stagingInfoBytes: 1024 * 1024,
  /** The droplet, gunzipped to a temporary file: a gzip bomb stops here (what `droplet run` extracts at most). */
  dropletUncompressedBytes: 16 * 1024 ** 3,
  /** An image archive's `oci-layout` file. */
  ociLayoutBytes: 4 * 1024,
  /** An image archive's `index.json`. */
  indexBytes: 1024 * 1024,
  /** A manifest or config blob (registries commonly refuse manifests over 4 MiB too). */
  jsonBlobBytes: 4 * 1024 * 1024,
  /** Members of an image archive: ours has seven. */
  archiveEntries: 10_000,
} as const;

/** The cap of a staging metadata document, for callers that read it beside a droplet. */
export const METADATA_MAX_BYTES = OCI_LIMITS.metadataBytes;

/** A whole text file under its cap, or an OciError with FileInputError's one line. */
export function readTextCapped(file: string, maxBytes: number, what?: string): string {
  try {
    return readTextBounded(file, { maxBytes, ...(what !== undefined ? { what } : {}) });
  } catch (error) {
    if (error instanceof FileInputError) throw new OciError(error.message);
    throw error;
  }
}
