/** What every command handler gets: where to write, the logger, and the global flags. */
import type { Logger } from '../exec/logger';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  verbose: boolean;
  output: 'text' | 'json';
  config?: string;
  insecureRegistry: string[];
}

export interface CommandContext {
  io: CliIO;
  logger: Logger;
  globals: GlobalOptions;
  /** Prints a result: the JSON form with `--output json`, else the human text. */
  print(result: { text: string; json: unknown }): void;
}
