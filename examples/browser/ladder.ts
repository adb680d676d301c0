// The handshake ladder: an SVG with the client on the left, the server on the right and one arrow
// per message, in the order the message callback reported them, each with its name, size and time.
// Messages under encryption are drawn green (TLS 1.3: everything after the ServerHello; TLS 1.2: a
// direction's messages from its Finished on, the first under the keys its ChangeCipherSpec turned
// on), cleartext ones blue; fatal alerts red, warnings (close_notify) grey. A dotted line marks where
// the handshake was done: for TLS 1.3 the tickets come after it.
import type { Step } from './messages.ts';

const SVG = 'http://www.w3.org/2000/svg';
const W = 560, LEFT = 150, RIGHT = 530, TOP = 46, ROW = 34, SLANT = 10;

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Which steps travel encrypted, by the rule of the negotiated protocol. */
function encrypted(steps: Step[], protocol: string | null): boolean[] {
  let tls13Keys = false;
  const afterCCS = { sent: false, received: false };
  return steps.map(s => {
    // A received TLS 1.2 ChangeCipherSpec is not reported (OpenSSL's state machine reads it, not
    // the record layer that calls the message callback): its Finished says the keys changed.
    if (s.name === 'Finished') afterCCS[s.direction] = true;
    const now = protocol === 'TLSv1.3' ? tls13Keys : afterCCS[s.direction];
    if (s.name === 'ServerHello') tls13Keys = true;
    if (s.kind === 'change-cipher-spec') afterCCS[s.direction] = true;
    return now && s.kind !== 'change-cipher-spec';
  });
}

const bytes = (n: number) => `${n.toLocaleString('en')} B`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

export interface LadderInput {
  steps: Step[];
  protocol: string | null;
  /** Milliseconds since the start when the handshake was done, or null if it was not. */
  secureAt: number | null;
  serverLabel: string;
}

/** Draws the ladder as an SVG element; each arrow is a <g class="step"> with data-name, -direction, -kind, -size. */
export function drawLadder({ steps, protocol, secureAt, serverLabel }: LadderInput): SVGSVGElement {
  const doneRow = secureAt === null ? -1 : steps.findIndex(s => s.at > secureAt);
  const rows = steps.length + (doneRow >= 0 ? 1 : 0);
  const height = TOP + rows * ROW + 18;
  const svg = el('svg', { viewBox: `0 0 ${W} ${height}`, width: W, height, class: 'ladder', role: 'img' });
  svg.append(el('title', {}, `TLS messages between this page and ${serverLabel}`));
  svg.append(
    el('text', { x: LEFT, y: 16, class: 'end', 'text-anchor': 'middle' }, 'client'),
    el('text', { x: LEFT, y: 31, class: 'end-sub', 'text-anchor': 'middle' }, 'this page'),
    el('text', { x: RIGHT, y: 16, class: 'end', 'text-anchor': 'middle' }, 'server'),
    el('text', { x: RIGHT, y: 31, class: 'end-sub', 'text-anchor': 'middle' }, serverLabel),
    el('line', { x1: LEFT, y1: TOP - 8, x2: LEFT, y2: height - 6, class: 'axis' }),
    el('line', { x1: RIGHT, y1: TOP - 8, x2: RIGHT, y2: height - 6, class: 'axis' }),
  );
  const secret = encrypted(steps, protocol);
  let y = TOP + 12;
  steps.forEach((s, i) => {
    if (i === doneRow) {
      svg.append(el('line', { x1: 8, y1: y - 4, x2: W - 8, y2: y - 4, class: 'done' }),
        el('text', { x: (LEFT + RIGHT) / 2, y: y + 10, class: 'done-label', 'text-anchor': 'middle' }, `handshake done at +${ms(secureAt!)}`));
      y += ROW;
    }
    const sent = s.direction === 'sent';
    const [x1, x2] = sent ? [LEFT, RIGHT] : [RIGHT, LEFT];
    const tone = s.kind === 'alert' ? (s.name.endsWith('(fatal)') ? 'alert' : 'warning') : s.kind === 'change-cipher-spec' ? 'ccs' : secret[i] ? 'secret' : 'clear';
    const g = el('g', { class: `step ${tone}` });
    Object.assign(g.dataset, { name: s.name, direction: s.direction, kind: s.kind, size: String(s.size) });
    const head = sent ? -1 : 1; // the arrowhead points along the arrow
    const tipY = y + SLANT;
    g.append(
      el('title', {}, `${s.name}, ${bytes(s.size)}, ${sent ? 'sent' : 'received'} at +${ms(s.at)}${secret[i] ? ', encrypted' : ''}`),
      el('text', { x: 8, y: y + 8, class: 'time' }, `+${ms(s.at)}`),
      el('line', { x1, y1: y, x2, y2: tipY, class: 'arrow' }),
      el('path', { d: `M${x2} ${tipY} l${head * 9} -5 l0 10 z`, class: 'head' }),
      el('text', { x: (LEFT + RIGHT) / 2, y: y - 1, class: 'name', 'text-anchor': 'middle' }, s.name),
      el('text', { x: sent ? RIGHT - 8 : LEFT + 8, y: y + 2, class: 'size', 'text-anchor': sent ? 'end' : 'start' }, bytes(s.size)),
    );
    svg.append(g);
    y += ROW;
  });
  return svg;
}
