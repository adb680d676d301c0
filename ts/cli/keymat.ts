/**
 * -keymatexport LABEL [-keymatexportlen N]: the "Keying material exporter:" block that print_stuff
 * (s_client.c) and print_connection_info (s_server.c) print, line for line: RFC 5705 / RFC 8446 7.5
 * keying material with no context, in upper-case hex, or "Error" when OpenSSL refuses.
 */
import type { Connection } from '../oo/connection.ts';
import type { OptionSpec, Options } from './args.ts';
import { CliError } from './io.ts';

export const KEYMAT_OPTIONS: OptionSpec[] = [
  { name: 'keymatexport', kind: 'value', arg: 'label', help: 'Export keying material using label' },
  { name: 'keymatexportlen', kind: 'int', arg: 'len', help: 'Export len bytes of keying material; default 20' },
];

export interface Keymat { label: string; length: number }

/** The -keymatexport request, or undefined; a length below 1 is refused as native does. */
export function keymatOption(command: string, o: Options): Keymat | undefined {
  const length = o.int('keymatexportlen') ?? 20;
  if (length < 1) throw new CliError(`${command}: -keymatexportlen must be at least 1 (bytes), got ${length}`);
  const label = o.str('keymatexport');
  return label === undefined ? undefined : { label, length };
}

export function keymatBlock(c: Connection, k: Keymat): string {
  let out = `Keying material exporter:\n    Label: '${k.label}'\n    Length: ${k.length} bytes\n`;
  let bytes: Uint8Array;
  try {
    bytes = c.exportKeyingMaterial(k.length, k.label);
  } catch {
    return `${out}    Error\n`;
  }
  out += `    Keying material: ${Array.from(bytes, b => b.toString(16).padStart(2, '0').toUpperCase()).join('')}\n`;
  return out;
}
