/**
 * A developer machine (or a CI system we do not recognise). The builder id says so plainly —
 * `https://shipshape.dev/local/<host>` — so provenance made here is never mistaken for a CI build.
 * Commit, branch and remote come from Git only when asked (see `addGitDetails`).
 */
import { hostname as osHostname, userInfo } from 'node:os';
import type { CiContextDraft, Env } from '../context';
import { readVar } from './env';

export const LOCAL_BUILDER_PREFIX = 'https://shipshape.dev/local/';

export interface LocalIdentity {
  hostname?: string;
  username?: string;
}

function currentUser(env: Env): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    // No passwd entry (containers running as an arbitrary uid): fall back to the shell's idea.
    return readVar(env, 'USER') ?? readVar(env, 'USERNAME');
  }
}

export function readLocal(env: Env, identity: LocalIdentity = {}): CiContextDraft {
  const username = identity.username ?? currentUser(env);
  const host = identity.hostname ?? osHostname();
  const who = host || username || 'unknown';
  return {
    provider: 'local',
    isCi: false,
    workflow: {},
    actor: username,
    builderId: `${LOCAL_BUILDER_PREFIX}${encodeURIComponent(who)}`,
    raw: {},
    warnings: [],
    sources: {},
  };
}
