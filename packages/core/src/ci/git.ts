/**
 * Commit, branch, tag and remote from a Git checkout, for runs the environment says nothing about
 * (local runs, or a CI job without the Git plugin's variables). Opt-in: reading Git spawns processes,
 * and what the environment states always wins over what the checkout shows.
 */
import { loadExeca } from '../exec/esm';
import { SecretRegistry, secrets as processSecrets } from '../exec/secrets';
import { CiContext, finalizeContext } from './context';
import { normalizeRepositoryUrl } from './repository-url';

export interface GitDetails {
  commit?: string;
  branch?: string;
  tag?: string;
  /** Normalized like every repository URL: no credentials, https where unambiguous. */
  remoteUrl?: string;
  /** Tracked files differ from the commit: the commit does not fully describe what was built. */
  dirty: boolean;
}

export interface GitOptions {
  cwd: string;
  secrets?: SecretRegistry;
  /** The git executable; tests point it elsewhere to see how a missing git is handled. */
  gitBinary?: string;
  timeoutMs?: number;
}

type GitRunner = (args: string[]) => Promise<string | undefined>;

async function gitRunner(options: GitOptions): Promise<GitRunner | 'not-installed'> {
  const { execa } = await loadExeca();
  const run: GitRunner = async (args) => {
    const result = await execa(options.gitBinary ?? 'git', args, {
      cwd: options.cwd,
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 10_000,
      // Never prompt for credentials, and keep output parseable whatever the user's locale.
      env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    });
    if (result.code === 'ENOENT') throw new GitNotInstalled();
    return result.exitCode === 0 ? String(result.stdout).trim() : undefined;
  };
  try {
    await run(['--version']);
    return run;
  } catch (error) {
    if (error instanceof GitNotInstalled) return 'not-installed';
    throw error;
  }
}

class GitNotInstalled extends Error {}

/** Reads the checkout at `cwd`; `undefined` when git is missing or `cwd` is not in a work tree. */
export async function readGitDetails(options: GitOptions): Promise<GitDetails | undefined> {
  const git = await gitRunner(options);
  if (git === 'not-installed') return undefined;
  if ((await git(['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;

  const commit = await git(['rev-parse', '--verify', '-q', 'HEAD']);
  const branch = await git(['symbolic-ref', '-q', '--short', 'HEAD']);
  const tag = commit ? await git(['describe', '--tags', '--exact-match', 'HEAD']) : undefined;
  const remotes = (await git(['remote']))?.split('\n').filter(Boolean) ?? [];
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  const rawRemote = remote ? await git(['remote', 'get-url', remote]) : undefined;
  const status = await git(['status', '--porcelain', '--untracked-files=no']);

  return {
    commit: commit || undefined,
    branch: branch || undefined,
    tag: tag || undefined,
    remoteUrl: normalizeRepositoryUrl(rawRemote, options.secrets ?? processSecrets),
    dirty: Boolean(status),
  };
}

/**
 * Fills what `context` lacks from the checkout at `cwd`: commit, repository URL, branch, tag, ref.
 * Values the CI environment set are kept. A missing git or a directory outside a repository leaves
 * the context as it was, with a warning.
 */
export async function addGitDetails(context: CiContext, options: GitOptions): Promise<CiContext> {
  const details = await readGitDetails(options);
  const { workflow, ...rest } = context;
  if (!details) {
    return finalizeContext({
      ...rest,
      workflow,
      warnings: [...context.warnings, `no Git details: git is not installed or ${options.cwd} is not inside a Git work tree`],
      sources: {},
    });
  }
  const commit = context.commit ?? details.commit;
  const repositoryUrl = context.repositoryUrl ?? details.remoteUrl;
  // A provider's "<field> left unset" warning is stale once the checkout supplied the field.
  const filled = [commit && !context.commit && 'commit', repositoryUrl && !context.repositoryUrl && 'repositoryUrl'].filter(Boolean);
  const warnings = context.warnings.filter((w) => !filled.some((field) => w.endsWith(`${field} left unset`)));
  if (details.dirty) warnings.push(`the Git work tree at ${options.cwd} has uncommitted changes; the commit does not describe everything built`);
  if (!details.commit) warnings.push(`the Git repository at ${options.cwd} has no commits yet`);
  // If the environment named any of branch, tag or ref, it knows what triggered the run (a pull
  // request build has a branch but deliberately no ref); the checkout's HEAD must not second-guess it.
  const refsFromEnv = Boolean(context.ref || context.branch || context.tag);
  const branch = refsFromEnv ? context.branch : details.branch;
  const tag = refsFromEnv ? context.tag : details.tag;
  return finalizeContext({
    ...rest,
    workflow,
    commit,
    repositoryUrl,
    branch,
    tag,
    // The checked-out branch is what HEAD is; a tag names the build only on a detached HEAD.
    ref: refsFromEnv ? context.ref : branch ? `refs/heads/${branch}` : tag ? `refs/tags/${tag}` : undefined,
    warnings,
    sources: { commit: 'git rev-parse HEAD', repositoryUrl: 'git remote get-url', branch: 'git symbolic-ref HEAD', tag: 'git describe' },
  });
}
