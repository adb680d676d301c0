/// <reference types="node" />
/**
 * What s_server's www_body answers (apps/s_server.c, OpenSSL 3.5): -www's HTML status page, and
 * -WWW / -HTTP's files below the working directory (-HTTP's files carry their own headers).
 */
import { openSync, statSync } from 'node:fs';
import type { Connection } from '../oo/connection.ts';
import type { RawOpenSSL } from '../raw/instance.ts';
import { cacheStats } from './report.ts';
import type { Context } from '../oo/context.ts';
import { caNamesBlock, ciphers, groupsLines, newOrReused, renegotiationNote, sessionText, sharedCiphers, sigalgsLines, sslRef } from './ssl-print.ts';
import { bioText, certificatePEM } from './x509-print.ts';

/** www_body's buffer size: the most SSL_get_shared_ciphers writes for the page. */
const BUFSIZZ = 16 * 1024;
const TEXT_HEADER = 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n';

function escapeHTML(s: string): string {
  return s.replace(/[<>&]/g, c => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

/** The -www page (and -WWW's `GET /stats`) for a connection. */
export function statusPage(raw: RawOpenSSL, c: Connection, argv: readonly string[], context: Context): string {
  const ref = sslRef(raw, c);
  let page = 'HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<HTML><BODY BGCOLOR="#ffffff">\n<pre>\n\n';
  page += ['s_server', ...argv].map(a => `${escapeHTML(a)} `).join('') + '\n';
  page += `${renegotiationNote(ref)}\n`;
  page += 'Ciphers supported in s_server binary\n';
  const list = ciphers(ref);
  list.forEach(([version, name], i) => {
    page += `${version.padEnd(11)}:${name.padEnd(25)} `;
    if ((i + 1) % 2 === 0 && i + 1 !== list.length) page += '\n';
  });
  page += '\n';
  const shared = sharedCiphers(ref, BUFSIZZ);
  if (shared !== null) {
    // Three columns of 26, as the page lays them out.
    page += '---\nCiphers common between both SSL end points:\n';
    shared.split(':').forEach((name, i, all) => {
      page += name;
      if (i + 1 < all.length) page += ' '.repeat(Math.max(0, 26 - name.length)) + ((i + 1) % 3 ? ' ' : '\n');
    });
    page += '\n';
  }
  for (const l of [...sigalgsLines(ref), ...groupsLines(ref, false)]) page += `${l}\n`;
  page += caNamesBlock(ref);
  page += `---\n${newOrReused(ref)}\n`;
  page += sessionText(c, session => session.print());
  page += `---\n${cacheStats(context)}---\n`;
  const peer = raw.capi.SSL_get0_peer_certificate(c.pointer);
  if (peer) {
    page += 'Client certificate\n';
    page += bioText(raw, bio => raw.capi.X509_print(bio, peer));
    page += certificatePEM(raw, peer);
  } else {
    page += 'no client certificate available\n';
  }
  return page + '</pre></BODY></HTML>\r\n\r\n';
}

/** What -WWW (mode 2) or -HTTP (mode 3) sends for a request line, and the stderr note. */
export function fileResponse(line: string, mode: 2 | 3): { body: string; fd?: number; log?: string } {
  // `GET /` is stripped; the path runs to the first space.
  const rest = line.slice('GET /'.length);
  const space = rest.indexOf(' ');
  const colon = rest.indexOf(':');
  // A ':' (a Windows drive) is refused like '..'; the name shown ends before it.
  if (colon >= 0 && (space < 0 || colon < space)) return { body: `${TEXT_HEADER}'${rest.slice(0, colon)}' contains '..' or ':'\r\n` };
  if (space < 0) return { body: `${TEXT_HEADER}'${rest}' is an invalid file name\r\n` };
  const path = rest.slice(0, space);
  if (path.split(/[/\\]/).includes('..')) return { body: `${TEXT_HEADER}'${path}' contains '..' or ':'\r\n` };
  if (path.startsWith('/') || path.startsWith('\\')) return { body: `${TEXT_HEADER}'${path}' is an invalid path\r\n` };
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch { /* opened below, which reports it */ }
  if (isDir) return { body: `${TEXT_HEADER}'${path}' is a directory\r\n` };
  // Opened here (a file that does not open is the reply); read by the caller as the client takes
  // it, so that a large file, or many clients, never sit whole in memory.
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { body: `${TEXT_HEADER}Error opening '${path}' mode='r'\r\n` };
  }
  let head = '';
  if (mode === 2) head = /\.(html|htm|php)$/.test(path) ? 'HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n' : TEXT_HEADER;
  return { body: head, fd, log: `FILE:${path}\n` };
}
