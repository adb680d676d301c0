// The session inspector: a session's SSL_SESSION_print text (Session.print(), as `openssl sess_id
// -text` shows it), its DER to download, and a saved session file (DER, or PEM as `openssl s_client
// -sess_out` writes it) to load, inspect, and resume with. Sessions are kept here as DER only, so
// no Session handle outlives the call that reads it.
import type { OpenSSL } from '../../ts/index.ts';
import { download } from './download.ts';

const PEM_LABEL = '-----BEGIN SSL SESSION PARAMETERS-----';

export class SessionInspector {
  readonly #openssl: OpenSSL;
  readonly #root: HTMLElement;
  readonly #text: HTMLElement;
  readonly #source: HTMLElement;
  readonly #save: HTMLButtonElement;
  readonly #resume: HTMLButtonElement;
  #der: Uint8Array | null = null;

  /** `onResume` is called with the shown session's DER when the user asks to resume with it. */
  constructor(openssl: OpenSSL, root: HTMLElement, onResume: (der: Uint8Array) => void) {
    this.#openssl = openssl;
    this.#root = root;
    const $ = <T extends HTMLElement>(sel: string) => root.querySelector<T>(sel)!;
    this.#text = $('.session-text');
    this.#source = $('.session-source');
    this.#save = $<HTMLButtonElement>('.session-save');
    this.#resume = $<HTMLButtonElement>('.session-resume');
    const file = $<HTMLInputElement>('.session-file');
    this.#save.addEventListener('click', () => { if (this.#der) download('session.der', this.#der, 'application/octet-stream'); });
    this.#resume.addEventListener('click', () => { if (this.#der) onResume(this.#der); });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f) void f.arrayBuffer().then(b => this.load(new Uint8Array(b), f.name));
      file.value = ''; // the same file again is a new choice
    });
    this.clear();
  }

  clear(): void {
    this.#der = null;
    this.#source.textContent = 'no session yet';
    this.#text.textContent = '';
    this.#save.disabled = this.#resume.disabled = true;
  }

  /** Shows a session (DER); `source` says where it came from. */
  show(der: Uint8Array, source: string): void {
    const session = this.#openssl.sessionFromDER(der);
    try {
      this.#text.textContent = session.print();
    } finally {
      session.free();
    }
    this.#der = der;
    this.#source.textContent = source;
    this.#source.classList.remove('bad');
    this.#save.disabled = this.#resume.disabled = false;
  }

  /** Loads a saved session file: DER, or PEM with an SSL SESSION PARAMETERS block. */
  load(bytes: Uint8Array, name: string): void {
    this.#root.dataset.loaded = name; // for the test: the file was read
    try {
      const text = new TextDecoder().decode(bytes.subarray(0, 4096));
      let der = bytes;
      if (text.includes(PEM_LABEL)) {
        const session = this.#openssl.sessionFromPEM(new TextDecoder().decode(bytes));
        try { der = session.toDER(); } finally { session.free(); }
      }
      this.show(der, `loaded from ${name} (${bytes.length.toLocaleString('en')} bytes)`);
    } catch (e) {
      this.clear();
      this.#source.textContent = `${name}: ${e instanceof Error ? e.message : String(e)}`;
      this.#source.classList.add('bad');
    }
  }
}
