/**
 * Debian control-file stanzas (deb822), as in /var/lib/dpkg/status: `Field: value` lines, continuation
 * lines starting with a space or tab, stanzas separated by blank lines. Field names are case-insensitive,
 * so they are returned in lower case. Malformed lines are skipped, never fatal.
 */
export type Stanza = Map<string, string>;

export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = new Map();
  let lastKey: string | undefined;
  const finish = (): void => {
    if (current.size > 0) stanzas.push(current);
    current = new Map();
    lastKey = undefined;
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      finish();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastKey !== undefined) current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    lastKey = key;
    // A repeated field is malformed; the first one stands.
    if (!current.has(key)) current.set(key, line.slice(colon + 1).trim());
    else lastKey = undefined;
  }
  finish();
  return stanzas;
}
