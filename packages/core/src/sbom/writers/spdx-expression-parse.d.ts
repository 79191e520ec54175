/** spdx-expression-parse ships no types; only what the writers use. */
declare module 'spdx-expression-parse' {
  interface LicenseInfo {
    license: string;
    plus?: true;
    exception?: string;
  }
  interface ConjunctionInfo {
    conjunction: 'and' | 'or';
    left: LicenseInfo | ConjunctionInfo;
    right: LicenseInfo | ConjunctionInfo;
  }
  /** Throws on anything that is not a valid SPDX license expression. */
  function parse(expression: string): LicenseInfo | ConjunctionInfo;
  export = parse;
}
