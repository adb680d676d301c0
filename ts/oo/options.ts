/**
 * Options objects are checked for names the API does not know: a misspelt option (`ciphersuites`
 * for `cipherSuites`) would otherwise be ignored silently and the connection made with defaults.
 */
export function rejectUnknownOptions(where: string, options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = known.find(k => k.toLowerCase() === name.toLowerCase());
    throw new TypeError(`${where}: unknown option ${JSON.stringify(name)}` +
      (near ? ` (did you mean ${near}?)` : `; the options are ${known.join(', ')}`));
  }
}
