/** Parsing of `WWW-Authenticate` challenges (RFC 7235 auth-params, as registries send them). */

export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/**
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"`
 * → { scheme: 'bearer', params: { realm, service, scope } }. Several challenges in one header are
 * split on the scheme tokens; the first one is returned with the others after it.
 */
export function parseChallenges(headerValue: string | undefined): Challenge[] {
  if (!headerValue) return [];
  const challenges: Challenge[] = [];
  const pattern = /([A-Za-z][\w-]*)(?:\s+|$)((?:\s*,?\s*[\w-]+=(?:"(?:[^"\\]|\\.)*"|[^\s,]*))*)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(headerValue)) !== null) {
    if (match[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    const params: Record<string, string> = {};
    const paramPattern = /([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
    let param: RegExpExecArray | null;
    while ((param = paramPattern.exec(match[2] ?? '')) !== null) {
      params[param[1]!.toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
    }
    challenges.push({ scheme: match[1]!.toLowerCase(), params });
  }
  return challenges;
}

/** `repository:team/app:pull,push` for a repository and the actions a request needs. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${[...actions].sort().join(',')}`;
}
