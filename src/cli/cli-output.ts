/** Where the CLI writes: stdout carries a command's answer, stderr everything else. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** Bad arguments or configuration. */
export const EXIT_USAGE = 2;
