// What the README tells users to import, read from the README itself so the package test follows
// it: every `import ... from 'openssl-wasm…'` statement in its fenced code blocks (the names each
// one takes), and every subpath it names in inline code (`openssl-wasm/deno`), which a user will
// import too. An `npm:` prefix (Deno) is dropped: it names the same package entry.
import { readFileSync } from 'node:fs';

/**
 * @returns {{ statements: { text: string, specifier: string, names: { imported: string, local: string, type: boolean }[] }[],
 *             specifiers: string[] }}
 *   `specifiers`: every distinct entry (without `npm:`), code blocks first, then inline mentions.
 */
export function readmeImports(readmePath) {
  const readme = readFileSync(readmePath, 'utf8');
  const blocks = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const statements = [];
  for (const block of blocks) {
    for (const m of block.matchAll(/\bimport\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]((?:npm:)?openssl-wasm(?:\/[^'"]*)?)['"]/g)) {
      const names = m[2].split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        const type = Boolean(m[1]) || s.startsWith('type ');
        const [imported, local = imported] = s.replace(/^type\s+/, '').split(/\s+as\s+/);
        return { imported, local, type };
      });
      statements.push({ text: m[0], specifier: m[3].replace(/^npm:/, ''), names });
    }
  }
  const specifiers = [...new Set([
    ...statements.map((s) => s.specifier),
    // inline code such as `openssl-wasm/deno`, `npm:openssl-wasm/node` or `openssl-wasm/openssl.wasm`
    ...[...readme.matchAll(/`(?:npm:)?(openssl-wasm(?:\/[\w.-]+)?)`/g)].map((m) => m[1]),
  ])];
  return { statements, specifiers };
}
