// What a fuzz target is: set up once on loaded instances, then run on input after input. Shared by
// the fuzzer (fuzz/run.ts, Node) and the corpus replay (test/suites/fuzz-corpus.suite.ts, every runtime).
import type { OpenSSL } from '../../ts/index.ts';
import type { Fixtures } from './fixtures.ts';

export interface FuzzEnv {
  /** The module under test (the SIMD build where the runtime has SIMD128). */
  ossl: OpenSSL;
  /** The plain build, for the target comparing the two. */
  plain: OpenSSL;
  fixtures: Fixtures;
}

export interface TargetState {
  /** Every instance the target uses, checked after each input. */
  instances: OpenSSL[];
  /** Runs one input; returns a short name of what happened (or throws a clean error). */
  run(input: Uint8Array): Promise<string>;
  free(): void;
}

export interface FuzzTarget {
  name: string;
  /** Errors besides OpenSSLError, TypeError and RangeError that are this target's clean failures. */
  allowedErrors?: Function[];
  /**
   * Text that some outcome of the committed corpus must contain (the replay checks it): what the
   * target exists to reach, such as a resumption, which a fixture session that expired or stopped
   * being resumable would silently lose.
   */
  mustReach?: string[];
  setup(env: FuzzEnv): Promise<TargetState>;
}
