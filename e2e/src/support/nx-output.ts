/**
 * What Nx did with each task, read from its terminal output (`--outputStyle=static`): every task it
 * runs or replays is announced as `> nx run <project>:<target>`, followed by where a replayed
 * result came from — `[local cache]`, `[remote cache]`, or `[existing outputs match the cache,
 * left as is]` (a local hit whose files were already in place).
 */

export type TaskOutcome = 'ran' | 'local cache' | 'remote cache';

export interface NxTask {
  project: string;
  target: string;
  outcome: TaskOutcome;
}

const TASK_LINE = /^>\s+nx run (?<project>[^\s:]+):(?<target>[^\s:]+)(?::\S+)?(?:\s+\[(?<note>[^\]]+)\])?\s*$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

const NOTES: Record<string, TaskOutcome> = {
  'local cache': 'local cache',
  'existing outputs match the cache, left as is': 'local cache',
  'remote cache': 'remote cache',
};

/** The tasks of one Nx run, keyed `project:target`. Throws on an annotation it does not know (a changed Nx format must not pass silently). */
export function parseNxTasks(output: string): Map<string, NxTask> {
  const tasks = new Map<string, NxTask>();
  for (const raw of output.split(/\r?\n/)) {
    const match = TASK_LINE.exec(raw.replace(ANSI, '').trim());
    if (!match?.groups) continue;
    const { project, target, note } = match.groups;
    let outcome: TaskOutcome = 'ran';
    if (note !== undefined) {
      const known = NOTES[note.trim()];
      if (!known) throw new Error(`unknown Nx task annotation "[${note}]" in: ${raw}`);
      outcome = known;
    }
    tasks.set(`${project}:${target}`, { project, target, outcome });
  }
  return tasks;
}

/** `{ "api:image-sign": "local cache", ... }` for readable assertion failures. */
export function outcomes(tasks: Map<string, NxTask>, filter: (task: NxTask) => boolean = () => true): Record<string, TaskOutcome> {
  return Object.fromEntries([...tasks.values()].filter(filter).map((t) => [`${t.project}:${t.target}`, t.outcome]));
}
