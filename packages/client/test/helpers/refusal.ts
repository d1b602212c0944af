/** `code: message` of the TallyClientError that `fn` throws, or 'no error'; for input checks. */
import { expect } from 'chai';
import { TallyClientError } from '../../src/errors.js';

export function refusal(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    expect(err).to.be.instanceOf(TallyClientError);
    return `${(err as TallyClientError).code}: ${(err as TallyClientError).message}`;
  }
}
