/** The input is not a tar archive, is a damaged one, or exceeds a reader's limits. */
export class TarFormatError extends Error {}

/** A file's content was not the size its header announced (it changed while it was archived). */
export class TarContentError extends Error {}
