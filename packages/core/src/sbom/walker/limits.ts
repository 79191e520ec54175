/**
 * Bounds on what a layer may cost (DESIGN principle 5): layers are untrusted input, and a decompression
 * bomb, a 10 GiB file or a million tiny members must end in a clear error or a bounded skip, never in
 * memory exhaustion. Everything else streams through in constant memory.
 */
export interface WalkLimits {
  /** Decompressed bytes one layer may hold; more is an error naming the layer. */
  maxLayerBytes: number;
  /**
   * Refuse a layer whose decompressed/compressed ratio exceeds this once it has produced 64 MiB
   * (a decompression bomb). 0 turns the check off: legitimate layers full of zeros reach gzip's
   * ~1000:1 too, so by default only `maxLayerBytes` bounds them.
   */
  maxCompressionRatio: number;
  /** Tar members one layer may hold. */
  maxEntries: number;
  /** Bytes of file content one layer may contribute to catalogers; files past it are skipped with a warning. */
  maxCollectedBytesPerLayer: number;
  /** Bytes of file content the final image filesystem may hold for catalogers; more is an error. */
  maxCollectedBytes: number;
  /** Largest zstd window accepted (the reference decoder's default limit is 128 MiB). */
  maxZstdWindowBytes: number;
  /** Warnings kept per layer; the rest are counted in one last line. */
  maxWarningsPerLayer: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_WALK_LIMITS: Readonly<WalkLimits> = Object.freeze({
  maxLayerBytes: 16 * GiB,
  maxCompressionRatio: 0,
  maxEntries: 1_000_000,
  maxCollectedBytesPerLayer: 128 * MiB,
  maxCollectedBytes: 256 * MiB,
  maxZstdWindowBytes: 128 * MiB,
  maxWarningsPerLayer: 50,
});

/** Past this many decompressed bytes the ratio check applies: small layers of zeros are harmless. */
export const RATIO_CHECK_AFTER_BYTES = 64 * MiB;

export function resolveLimits(overrides: Partial<WalkLimits> = {}): WalkLimits {
  return { ...DEFAULT_WALK_LIMITS, ...overrides };
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** An error's message; errors from Node internals may come from another realm (Jest), so no instanceof. */
export function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
