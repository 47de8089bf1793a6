/** A stack that cannot be built or opened. The message is one line: what is wrong and what to do. */
export class StackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
  }
}
