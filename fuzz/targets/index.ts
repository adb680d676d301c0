// Every fuzz target, by name (the names of fuzz/corpus/<target>/).
import { clientFlightTarget } from './client-flight.ts';
import { echConfigListTarget } from './ech-config-list.ts';
import { peerCertificateTarget } from './peer-certificate.ts';
import { redisRingsTarget } from './redis-rings.ts';
import { sealedValueTarget } from './sealed-value.ts';
import { serverFlightTarget } from './server-flight.ts';
import { serverStoreTarget } from './server-store.ts';
import { sessionTarget } from './session.ts';
import { simdPlainTarget } from './simd-plain.ts';
import type { FuzzTarget } from './target.ts';

export const TARGETS: readonly FuzzTarget[] = [sessionTarget, serverFlightTarget, clientFlightTarget, serverStoreTarget, sealedValueTarget, simdPlainTarget, redisRingsTarget, peerCertificateTarget, echConfigListTarget];
export type { FuzzTarget, FuzzEnv, TargetState } from './target.ts';
