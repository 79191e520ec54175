/**
 * Package databases record a maintainer as `Name <email>` (dpkg Maintainer, apk m:, rpm Packager,
 * npm author). Writers split it: CycloneDX has a name and a contact e-mail, SPDX writes `Name (email)`.
 */
export interface Party {
  name: string;
  email?: string;
}

/** A deliberately plain address test: only what every schema validator accepts becomes an e-mail. */
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function parseParty(text: string | undefined): Party | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const match = /^(.*?)\s*<([^<>]*)>\s*$/.exec(trimmed);
  if (match) {
    const name = match[1]!.trim();
    const email = match[2]!.trim();
    if (EMAIL.test(email)) return { name: name || email, email };
    return { name: name || trimmed };
  }
  return EMAIL.test(trimmed) ? { name: trimmed, email: trimmed } : { name: trimmed };
}
