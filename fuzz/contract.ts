// The clean-failure contract every fuzz input is held to: the call returns, or throws one of the
// library's own errors for bad input (OpenSSLError, TypeError, RangeError, and what a target adds),
// never traps (InstanceFailedError) or throws anything else; afterwards no connection is left alive
// and the sessions and contexts are those the target holds between inputs.
import { InstanceFailedError, OpenSSLError, type OpenSSL } from '../ts/index.ts';
import type { FuzzTarget, TargetState } from './targets/target.ts';

/** A broken contract: what the fuzzer stops for and the corpus replay fails on. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

const ALLOWED: Function[] = [OpenSSLError, TypeError, RangeError];

/** A short name for an outcome: new names are what the fuzzer keeps inputs for. */
export function outcomeOf(e: unknown, target: FuzzTarget): string {
  if (e instanceof InstanceFailedError) throw new ContractViolation(`${target.name}: the module trapped: ${e.message}`, { cause: e });
  if (e instanceof ContractViolation) throw e;
  if (!(e instanceof Error) || ![...ALLOWED, ...(target.allowedErrors ?? [])].some(c => e instanceof c)) {
    throw new ContractViolation(`${target.name}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, which is not a clean failure`, { cause: e });
  }
  // Numbers and quoted text (a key id, a label taken from the input) do not make a new outcome.
  const reason = e instanceof OpenSSLError && e.reason ? e.reason : e.message.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 80);
  return `${e.name}:${reason}`;
}

type Counts = Record<string, number>;
const handles = (o: OpenSSL): Counts => ({ ...o.stats().handles });

/** Runs one input and checks the contract; returns its outcome name. */
export async function runChecked(target: FuzzTarget, state: TargetState, input: Uint8Array): Promise<string> {
  const before = state.instances.map(handles);
  let outcome: string;
  try {
    outcome = await state.run(input);
  } catch (e) {
    outcome = outcomeOf(e, target);
  }
  state.instances.forEach((o, i) => {
    if (o.raw.failed) throw new ContractViolation(`${target.name}: the instance failed: ${o.raw.failed.message}`);
    const after = handles(o);
    for (const kind of Object.keys(after)) {
      if (after[kind] !== before[i][kind]) throw new ContractViolation(`${target.name}: ${kind} handles went from ${before[i][kind]} to ${after[kind]} (a handle outlived its input)`);
    }
  });
  return outcome;
}
