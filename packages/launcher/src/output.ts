// The launcher and shell hand their stdio to the app. Writing through fs.writeSync keeps Node from
// opening its stream objects on fds 1 and 2 (which can switch a pipe or tty to non-blocking mode
// that the app would then inherit).
import fs from 'node:fs';

export const writeStdout = (text: string): void => {
  fs.writeSync(1, text);
};
export const writeStderr = (text: string): void => {
  fs.writeSync(2, text);
};
