/** A CLI subcommand: `run` returns the process exit code. Errors thrown are printed by main.ts without a stack. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}
