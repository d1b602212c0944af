export { TallyClient, DEFAULT_BALANCER } from './tally-client.js';
export type { TallyClientOptions, IncrementOptions, IncrementResult, ReadOptions, ReadResult } from './tally-client.js';
export { TallyClientError, OutcomeUnknownError, TimeoutLevelError } from './errors.js';
export { Repl, MAX_HISTORY } from './repl.js';
export type { ReplOptions } from './repl.js';
export { evaluate, parseLine, runCommand, exitCodeFor, EXIT_OK, EXIT_ERROR, EXIT_OUTCOME_UNKNOWN, EXIT_LEVEL_TIMEOUT } from './commands.js';
export type { Command, CommandClient, CommandContext, EvalResult } from './commands.js';
export { runCli } from './cli.js';
export type { CliIo } from './cli.js';
