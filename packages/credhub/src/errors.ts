export { GoError } from '@cf-lifecycle/contract';

/**
 * A failed interpolation (CONTRACT §6). The message is the reference's error text without the
 * `Unable to interpolate credhub refs: ` prefix that the builder, launcher and shell add.
 */
export class CredhubError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredhubError';
  }
}
