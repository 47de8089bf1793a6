// A version ordering: parse once, compare many times (the scanner compares each installed version
// against every event of every range that names its package).
export interface VersionOrdering<T = unknown> {
  name: string;
  /** undefined when the text is not a version of this ordering. */
  parse(version: string): T | undefined;
  compare(a: T, b: T): number;
}
