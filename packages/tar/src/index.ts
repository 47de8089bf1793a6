// @cf-lifecycle/tar: the one tar implementation: header encoding and decoding (ustar + PAX), a
// bounded streaming reader, the deterministic entry writer of OCI layers and the directory-walking
// writer of droplets and caches.
export { TarContentError, TarFormatError } from './errors.ts';
export { BLOCK, encodeHeader, isTarHeader, padding, type TarHeader, type TarType } from './header.ts';
export { paxRecord } from './pax.ts';
export { readAll, readTar, TAR_LIMITS, type TarEntry, type TarLimits } from './reader.ts';
export { visitTar, type TarVisitor, type VisitedEntry } from './visit.ts';
export { tarStream, type TarItem } from './writer.ts';
export { writeTar, type TarOptions, type TarSink, type TarTree } from './tree-writer.ts';
