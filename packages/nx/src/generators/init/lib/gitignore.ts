/** Shipshape's results (image.json, SBOMs, reports) are build output, not source: keep them out of git. */
import type { Tree } from '@nx/devkit';
import { OUTPUT_ROOT } from '../../../lib/names';

/**
 * Adds `/dist/shipshape` unless a line already ignores it (`dist`, `/dist/`, `dist/shipshape`, ...).
 * A simple check on purpose: a pattern it does not recognise only costs one redundant line.
 */
export function ignoreShipshapeOutputs(tree: Tree): boolean {
  const existing = tree.exists('.gitignore') ? (tree.read('.gitignore', 'utf-8') ?? '') : '';
  const covering = coveringPatterns(OUTPUT_ROOT);
  const lines = existing.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => covering.has(line))) return false;
  const before = existing === '' ? '' : `${existing}${existing.endsWith('\n') ? '' : '\n'}\n`;
  tree.write('.gitignore', `${before}# Shipshape results (image digests, SBOMs, scan reports)\n/${OUTPUT_ROOT}\n`);
  return true;
}

/** `dist/shipshape` → every spelling of `dist` and `dist/shipshape`, with and without leading or trailing slashes. */
function coveringPatterns(dir: string): Set<string> {
  const parts = dir.split('/');
  const patterns = new Set<string>();
  for (let length = 1; length <= parts.length; length++) {
    const prefix = parts.slice(0, length).join('/');
    for (const lead of ['', '/']) for (const trail of ['', '/', '/**']) patterns.add(`${lead}${prefix}${trail}`);
  }
  return patterns;
}
