import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRegistry } from '../exec/secrets';
import { detectCiContext } from './detect';
import { addGitDetails, readGitDetails } from './git';

const REMOTE_TOKEN = 'glpat-Qm7xKp2Zr9Lw4Tn8Vb3s';

/** A real repository: one commit on `main`, tagged, with a remote whose URL holds a token. */
function makeRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-ci-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
  git('add', 'Dockerfile');
  git('commit', '-q', '-m', 'first');
  git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  git('remote', 'add', 'origin', `https://oauth2:${REMOTE_TOKEN}@gitlab.acme.example/acme/shop.git`);
  return dir;
}

const headOf = (dir: string) => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir }).toString().trim();

describe('Git details for local runs', () => {
  let repo: string;
  let outside: string;
  beforeEach(() => {
    repo = makeRepository();
    outside = mkdtempSync(join(tmpdir(), 'shipshape-ci-nogit-'));
  });
  afterEach(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads commit, branch, tag and the remote (credentials stripped and registered) from a real checkout', async () => {
    const secrets = new SecretRegistry();
    const details = await readGitDetails({ cwd: repo, secrets });
    expect(details).toEqual({
      commit: headOf(repo),
      branch: 'main',
      tag: 'v1.0.0',
      remoteUrl: 'https://gitlab.acme.example/acme/shop',
      dirty: false,
    });
    expect(secrets.redact(`remote ${REMOTE_TOKEN}`)).toBe('remote ***');
  });

  it('fills a local context from the checkout, still marked as not CI', async () => {
    const secrets = new SecretRegistry();
    const local = detectCiContext({}, { secrets, local: { hostname: 'devbox', username: 'ada' } });
    const ctx = await addGitDetails(local, { cwd: repo, secrets });
    expect(ctx).toMatchObject({
      provider: 'local',
      isCi: false,
      commit: headOf(repo),
      branch: 'main',
      tag: 'v1.0.0',
      ref: 'refs/heads/main',
      repositoryUrl: 'https://gitlab.acme.example/acme/shop',
      builderId: 'https://shipshape.dev/local/devbox',
      warnings: [],
    });
    expect(JSON.stringify(ctx)).not.toContain(REMOTE_TOKEN);
  });

  it('names the tag as the ref on a detached HEAD', async () => {
    execFileSync('git', ['checkout', '-q', '--detach', 'v1.0.0'], { cwd: repo });
    const ctx = await addGitDetails(detectCiContext({}, { secrets: new SecretRegistry() }), { cwd: repo, secrets: new SecretRegistry() });
    expect(ctx.branch).toBeUndefined();
    expect(ctx.ref).toBe('refs/tags/v1.0.0');
  });

  it('warns when tracked files have uncommitted changes', async () => {
    writeFileSync(join(repo, 'Dockerfile'), 'FROM busybox\n');
    const ctx = await addGitDetails(detectCiContext({}, { secrets: new SecretRegistry() }), { cwd: repo, secrets: new SecretRegistry() });
    expect(ctx.commit).toBe(headOf(repo));
    expect(ctx.warnings.join('\n')).toContain('has uncommitted changes');
  });

  it('keeps what the CI environment states over what the checkout shows', async () => {
    const ciCommit = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const jenkins = detectCiContext(
      { JENKINS_URL: 'https://ci.acme.example/', JOB_NAME: 'shop', BUILD_NUMBER: '9', GIT_COMMIT: ciCommit, GIT_BRANCH: 'origin/release' },
      { secrets: new SecretRegistry() },
    );
    const ctx = await addGitDetails(jenkins, { cwd: repo, secrets: new SecretRegistry() });
    expect(ctx.commit).toBe(ciCommit);
    expect(ctx.branch).toBe('release');
    expect(ctx.ref).toBe('refs/heads/release');
    expect(ctx.tag).toBeUndefined(); // the checkout's v1.0.0 tag does not override what Jenkins said
    // GIT_URL was not set, so the checkout's remote fills the gap.
    expect(ctx.repositoryUrl).toBe('https://gitlab.acme.example/acme/shop');
    expect(jenkins.warnings.join('\n')).toContain('repositoryUrl left unset');
    expect(ctx.warnings.join('\n')).not.toContain('repositoryUrl left unset');
  });

  it('leaves the context as it was, with a warning, outside a repository or without git', async () => {
    const local = detectCiContext({}, { secrets: new SecretRegistry() });
    expect(await readGitDetails({ cwd: outside })).toBeUndefined();
    const notRepo = await addGitDetails(local, { cwd: outside });
    expect(notRepo.commit).toBeUndefined();
    expect(notRepo.warnings.join('\n')).toContain(`${outside} is not inside a Git work tree`);

    const noGit = await addGitDetails(local, { cwd: repo, gitBinary: join(outside, 'no-such-git') });
    expect(noGit.commit).toBeUndefined();
    expect(noGit.warnings.join('\n')).toContain('git is not installed');
  });

  it('handles a repository without commits', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'shipshape-ci-empty-'));
    try {
      execFileSync('git', ['init', '-q', '-b', 'trunk'], { cwd: empty });
      const ctx = await addGitDetails(detectCiContext({}, { secrets: new SecretRegistry() }), { cwd: empty, secrets: new SecretRegistry() });
      expect(ctx.commit).toBeUndefined();
      expect(ctx.branch).toBe('trunk');
      expect(ctx.warnings.join('\n')).toContain('has no commits yet');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
