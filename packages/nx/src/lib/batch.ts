/**
 * Nx batch mode for the Shipshape executors (`batchImplementation` + `preferBatch` in executors.json):
 * Nx hands every ready task of one executor to one process instead of forking a process per task.
 * A task's own work is mostly registry round trips and a signature, so process start-up (Node, Nx's
 * task wrapper, the engine's modules: about a second of CPU) was most of its cost; in one process it
 * is paid once per executor, and the tasks run concurrently.
 *
 * Each task keeps what it has outside a batch: its own ExecutorContext, its own output (returned as
 * the task's terminalOutput, which Nx prints and caches per task — nothing goes to the shared
 * stdout, so no line is shown twice or cached under the wrong task), its own result.
 */
import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import type { LogSink } from '@shipshape/core/base';

/** An executor that can write its lines to a given sink (the terminal when run on its own). */
export type SinkExecutor<O> = (options: O, context: ExecutorContext, sink?: LogSink) => Promise<{ success: boolean }>;

export interface BatchTaskResult {
  task: string;
  result: { success: boolean; terminalOutput: string; startTime: number; endTime: number; status?: 'success' | 'failure' | 'skipped' };
}

export type BatchExecutor<O> = (taskGraph: TaskGraph, inputs: Record<string, O>, overrides: O, context: ExecutorContext) => AsyncGenerator<BatchTaskResult>;

/**
 * How many tasks of one batch run at once: SHIPSHAPE_BATCH_CONCURRENCY, else the CPU count for steps
 * that compute (SBOM, scan: more at once would only add memory) and a little more for steps that
 * mostly wait on the registry (digest, sign, provenance, verify).
 */
export function batchConcurrency(work: 'registry' | 'cpu', env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number.parseInt(env.SHIPSHAPE_BATCH_CONCURRENCY ?? '', 10);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const cpus = availableParallelism();
  return work === 'cpu' ? cpus : Math.min(8, cpus + 2);
}

/** The context Nx would have given the task had it run on its own. */
export function taskContext(context: ExecutorContext, task: TaskGraph['tasks'][string]): ExecutorContext {
  const { project, target, configuration } = task.target;
  return {
    ...context,
    projectName: project,
    targetName: target,
    configurationName: configuration,
    target: context.projectsConfigurations?.projects[project]?.targets?.[target],
  };
}

/** Collects a task's lines, as the terminal would have shown them, for its terminalOutput. */
function memorySink(): { sink: LogSink; text(): string } {
  const lines: string[] = [];
  return { sink: { write: (_level, line) => lines.push(line) }, text: () => (lines.length ? `${lines.join('\n')}\n` : '') };
}

/**
 * The batch implementation of `executor`: runs the batch's tasks (dependencies inside the batch
 * first; a task whose dependency failed is skipped, as Nx would) at most `concurrency` at a time,
 * and yields each result as soon as it is known, so Nx records and caches it while others still run.
 */
export function batchExecutor<O>(executor: SinkExecutor<O>, concurrency: number): BatchExecutor<O> {
  return async function* runBatch(taskGraph, inputs, _overrides, context) {
    const ids = Object.keys(taskGraph.tasks);
    const inBatch = new Set(ids);
    const waitingOn = new Map(ids.map((id) => [id, (taskGraph.dependencies[id] ?? []).filter((d) => inBatch.has(d))]));
    const outcome = new Map<string, boolean>();
    const finished: BatchTaskResult[] = [];
    const running = new Set<string>();
    let wake: (() => void) | undefined;

    const start = (id: string) => {
      const output = memorySink();
      const startTime = Date.now();
      running.add(id);
      void executor(inputs[id], taskContext(context, taskGraph.tasks[id]), output.sink)
        .catch(() => ({ success: false })) // runExecutorBody already turned errors into output; this is a last guard
        .then(({ success }) => {
          outcome.set(id, success);
          finished.push({ task: id, result: { success, status: success ? 'success' : 'failure', terminalOutput: output.text(), startTime, endTime: Date.now() } });
          running.delete(id);
          wake?.();
        });
    };

    while (outcome.size < ids.length) {
      for (const id of ids) {
        if (outcome.has(id) || running.has(id) || running.size >= concurrency) continue;
        const deps = waitingOn.get(id) ?? [];
        if (deps.some((d) => outcome.get(d) === false)) {
          const now = Date.now();
          outcome.set(id, false);
          finished.push({ task: id, result: { success: false, status: 'skipped', terminalOutput: '', startTime: now, endTime: now } });
        } else if (deps.every((d) => outcome.get(d) === true)) {
          start(id);
        }
      }
      if (finished.length === 0 && running.size === 0) throw new Error('batch: no task can start (a dependency is missing from the batch)');
      if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (finished.length) yield finished.shift() as BatchTaskResult;
    }
  };
}
