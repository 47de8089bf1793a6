/** A droplet that cannot be exported, an image that cannot be rebased. The message is one line: what is wrong and what to do. */
export class OciError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OciError';
  }
}
