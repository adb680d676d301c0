// Target 4b: the sealed-value parser (ts/stores/sealed-value.ts) fed mutated envelopes, as a Redis
// value altered in the store would be. It opens, or throws SealedValueError; never anything else.
import { SealedValueError } from '../../ts/index.ts';
import { ValueSealer } from '../../ts/stores/sealed-value.ts';
import type { FuzzTarget } from './target.ts';

/** Public test keys: the seeds in fuzz/corpus/sealed-value/ were sealed under them. */
export const SEALED_KEYS = [{ id: 'k2', key: new Uint8Array(32).fill(0x22) }, { id: 'k1', key: new Uint8Array(32).fill(0x11) }];
export const SEALED_LABEL = 'osw:sess:fuzz';

export const sealedValueTarget: FuzzTarget = {
  name: 'sealed-value',
  allowedErrors: [SealedValueError],
  async setup({ ossl }) {
    const sealer = new ValueSealer(SEALED_KEYS, 'fuzz');
    const text = new TextDecoder('utf-8', { fatal: false });
    return {
      instances: [ossl],
      async run(input) {
        const { keyId, plaintext } = await sealer.open(text.decode(input), SEALED_LABEL);
        return `opened ${keyId} ${plaintext.length > 0}`;
      },
      free() {},
    };
  },
};
