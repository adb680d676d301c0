// The PEM fixtures are embedded into the smoke bundle by esbuild's text loader (see run.mjs).
declare module '*.pem' {
  const text: string;
  export default text;
}
declare module '*.key' {
  const text: string;
  export default text;
}
