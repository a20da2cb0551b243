/**
 * The `finml` command line. Each command lives in bin/commands/ and returns an exit code:
 * 0 success, 1 usage or config error, 2 input rejected (bad data, model file or request).
 */
import { ConfigError } from '#config/load';
import { DataRejectedError } from '#shared/data/errors';
import { ModelArtifactError } from '#shared/model/artifact';
import { PredictInputError } from '#shared/model/predict';
import { TrainingInputError } from '#shared/model/train';
import { driftCommand } from './commands/drift.ts';
import { edaCommand } from './commands/eda.ts';
import { experimentCommand } from './commands/experiment.ts';
import { predictCommand, reportCommand, trainCommand } from './commands/model.ts';
import { pipelineCommand } from './commands/pipeline.ts';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  pipeline: pipelineCommand,
  train: trainCommand,
  report: reportCommand,
  predict: predictCommand,
  experiment: experimentCommand,
  drift: driftCommand,
  eda: edaCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`finml: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (isParseArgsError(error)) {
      process.stderr.write(`finml ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`finml ${name}: ${error.message}\n\n${command.usage}\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`finml: bad config\n${error.message}\n`);
      return 1;
    }
    if (INPUT_ERRORS.some((E) => error instanceof E)) {
      process.stderr.write(`finml ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Errors about the user's input (data, model file, request): a message and exit status 2, no stack. */
const INPUT_ERRORS = [DataRejectedError, ModelArtifactError, PredictInputError, TrainingInputError];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs errors (unknown option, missing value) are usage errors. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function help(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return `Usage: finml <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "finml <command> --help" for a command's options.\n`;
}
