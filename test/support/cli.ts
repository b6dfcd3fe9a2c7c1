import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node` arguments that run the command line from source (bin/careprompt.js runs the build in dist/). */
export const CAREPROMPT_FROM_SOURCE = ['--import', 'tsx', 'src/cli/main.ts'];

/** The command line as a care manager runs it, with only the given environment. */
export function careprompt(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CAREPROMPT_FROM_SOURCE, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}
