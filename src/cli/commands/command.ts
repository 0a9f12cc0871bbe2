/** One `tsmesh` subcommand: a file under commands/ exports one of these (its summary is in index.ts). */
export interface Command {
  /** Runs the command; a returned number is the exit code. Long-running commands resolve when done. */
  run(argv: string[]): Promise<number | void>;
}
