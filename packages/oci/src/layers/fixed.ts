// The values every entry we write shares, whatever the host: reproducible layers (the same files give
// the same digest on any machine, at any time), as the CNB spec's "Build Reproducibility" asks.

/** 1980-01-01T00:00:01Z, the mtime of every entry we write (the CNB lifecycle's choice: valid for zip and FAT tools too). */
export const FIXED_MTIME = 315532801;
