/**
 * Options the way OpenSSL's apps take them: `-name`, `-name value` or `-name=value` (and `--name`),
 * in any order, the last one winning. Anything else is a user error with a one-line message.
 */
import { CliError } from './io.ts';

export interface OptionSpec {
  name: string;
  /** flag: no value; value: a string; int: a non-negative integer. */
  kind: 'flag' | 'value' | 'int';
  /** The value's placeholder in -help, e.g. 'host:port'. */
  arg?: string;
  help: string;
}

export interface Parsed {
  /** Values by option name (flags: true). */
  values: Map<string, string | number | true>;
  /** Arguments that are not options, in order. */
  rest: string[];
  help: boolean;
}

export class Options {
  constructor(private readonly parsed: Parsed) {}
  has(name: string): boolean {
    return this.parsed.values.has(name);
  }
  str(name: string): string | undefined {
    const v = this.parsed.values.get(name);
    return v === undefined ? undefined : String(v);
  }
  int(name: string): number | undefined {
    const v = this.parsed.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }
  get rest(): string[] {
    return this.parsed.rest;
  }
  get help(): boolean {
    return this.parsed.help;
  }
}

/** Parses `argv` against `specs`; `maxRest` positional arguments are allowed. */
export function parseOptions(command: string, specs: readonly OptionSpec[], argv: readonly string[], maxRest = 0): Options {
  const byName = new Map(specs.map(s => [s.name, s]));
  const values = new Map<string, string | number | true>();
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (name === 'help' || name === 'h') {
      help = true;
      continue;
    }
    const spec = byName.get(name);
    if (!spec) throw new CliError(`${command}: unknown option -${name} (see '${command} -help')`);
    if (spec.kind === 'flag') {
      if (inline !== undefined) throw new CliError(`${command}: option -${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`${command}: option -${name} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
    if (spec.kind === 'int') {
      if (!/^\d{1,9}$/.test(value)) throw new CliError(`${command}: option -${name} needs a non-negative integer, got '${value}'`);
      values.set(name, Number(value));
    } else {
      values.set(name, value);
    }
  }
  if (!help && rest.length > maxRest) {
    throw new CliError(`${command}: unexpected argument '${rest[maxRest]}' (see '${command} -help')`);
  }
  return new Options({ values, rest, help });
}

/** The -help text: a usage line and one line per option. */
export function usage(command: string, synopsis: string, specs: readonly OptionSpec[]): string {
  const lines = [`Usage: openssl-wasm ${command} ${synopsis}`, '', 'Options:'];
  const left = specs.map(s => `-${s.name}${s.arg ? ` ${s.arg}` : s.kind === 'int' ? ' n' : s.kind === 'value' ? ' val' : ''}`);
  const width = Math.max(...left.map(l => l.length), 6) + 2;
  specs.forEach((s, i) => lines.push(` ${left[i].padEnd(width)}${s.help}`));
  lines.push(` ${'-help'.padEnd(width)}This summary`);
  return lines.join('\n') + '\n';
}

/** Splits `host:port` (or `[v6]:port`, or `port` alone with `defaultHost`). */
export function hostPort(command: string, option: string, value: string, defaultHost?: string): { host: string; port: number } {
  let host: string | undefined, port: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (v6) {
    host = v6[1];
    port = v6[2];
  } else if (/^\d+$/.test(value) && defaultHost !== undefined) {
    host = defaultHost;
    port = value;
  } else {
    const i = value.lastIndexOf(':');
    if (i < 0) throw new CliError(`${command}: ${option} needs host:port, got '${value}'`);
    host = value.slice(0, i) || defaultHost;
    port = value.slice(i + 1);
  }
  if (!host) throw new CliError(`${command}: ${option} needs a host, got '${value}'`);
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) throw new CliError(`${command}: ${option}: bad port '${port}'`);
  return { host, port: n };
}
