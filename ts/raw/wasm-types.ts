/**
 * The WebAssembly types the published declarations name. TypeScript declares the global
 * `WebAssembly` only in its `dom` and `webworker` libs (Deno declares it too; @types/node does not),
 * so naming `WebAssembly.Module` in a .d.ts breaks a Node project whose lib has no `dom`. These
 * take the type from the global where the program's lib declares it, and are `object` where it
 * does not: exact in a browser or Deno project, and compiling in a Node one.
 */
type Global = typeof globalThis;
export type WebAssemblyModule = Global extends { WebAssembly: { Module: { prototype: infer T } } } ? T : object;
export type WebAssemblyInstance = Global extends { WebAssembly: { Instance: { prototype: infer T } } } ? T : object;
export type WebAssemblyMemory = Global extends { WebAssembly: { Memory: { prototype: infer T } } } ? T : { readonly buffer: ArrayBuffer };
