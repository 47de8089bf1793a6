// Reading files that someone else may control: bounded, regular files only, never through a link
// that was planted where a file should be. Every failure is one line naming the file.
export { FileInputError, formatCap, readFileBounded, readTextBounded, openRegularFile, type OpenedFile, type ReadOptions } from './bounded.ts';
export { copyOutNoFollow } from './copy-out.ts';
export { chunksOf } from './chunks.ts';
export { walkFiles, type WalkOptions } from './walk.ts';
