/**
 * The `finml` command line. Each command lives in bin/commands/ and returns an exit code:
 * 0 success, 1 usage or config error, 2 input rejected (bad data, model file or request); `finml
 * reproduce` adds 3 (the re-trained model differs).
 */
/*
 * Commands are loaded when run, not at start-up: `finml predict` loads the artifact reader and
 * the forecast, not the pipeline, the HMM or the drift check (most of its wall time was module
 * loading). Their summaries are here, for the help text.
 */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

const commands: Record<string, CommandEntry> = {
  pipeline: {
    summary: 'bronze CSVs → silver → gold features and regimes, with quality gates',
    load: async () => (await import('./commands/pipeline.ts')).pipelineCommand,
  },
  train: {
    summary: 'fit and evaluate the regime model on gold data → model.json and a report',
    load: async () => (await import('./commands/model.ts')).trainCommand,
  },
  report: {
    summary: 'print a trained model’s report',
    load: async () => (await import('./commands/model.ts')).reportCommand,
  },
  reproduce: {
    summary: 'train a model again from the exact gold bytes it was trained on and compare the artifacts',
    load: async () => (await import('./commands/reproduce.ts')).reproduceCommand,
  },
  predict: {
    summary: 'next-regime probabilities and P(reach High within h days)',
    load: async () => (await import('./commands/model.ts')).predictCommand,
  },
  experiment: {
    summary: 'sensitivity, ablation and stability experiments on the regime recipe',
    load: async () => (await import('./commands/experiment.ts')).experimentCommand,
  },
  drift: {
    summary: 'drift of new data against a model: KS, PSI, regime mix, chain test, anomalies, verdict',
    load: async () => (await import('./commands/drift.ts')).driftCommand,
  },
  export: {
    summary: 'write the gold or silver layer (Parquet) as a CSV for spreadsheets',
    load: async () => (await import('./commands/export.ts')).exportCommand,
  },
  eda: {
    summary:
      'profile a bronze CSV or a silver or gold file (missing values, outliers, correlations, trend, stationarity)',
    load: async () => (await import('./commands/eda.ts')).edaCommand,
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 1 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`finml: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  const command = await entry.load();
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
    if ((error as Error | null)?.name === 'ConfigError') {
      process.stderr.write(`finml: bad config\n${(error as Error).message}\n`);
      return 1;
    }
    if (INPUT_ERRORS.includes((error as Error | null)?.name ?? '')) {
      process.stderr.write(`finml ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    const fileProblem = fileSystemProblem(error);
    if (fileProblem !== undefined) {
      process.stderr.write(`finml ${name}: ${fileProblem}\n`);
      return 1;
    }
    throw error;
  }
}

/** Errors about the user's input (data, model file, request): a message and exit status 2, no stack. */
const INPUT_ERRORS = [
  'DataRejectedError',
  'ModelArtifactError',
  'ServingModelError',
  'PredictInputError',
  'TrainingInputError',
  'EvaluationInputError',
  'MarkovInputError',
  'LineageError',
  'LineageIntegrityError',
];

/** What a file-system error with a path means for the user (a path named by --out, say). */
const FILE_ERRORS: Record<string, string> = {
  EISDIR: 'is a folder, where a file is needed',
  ENOTDIR: 'a part of the path is a file, where a folder is needed',
  EEXIST: 'already exists',
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'a name in the path is too long',
};

/** "<path>: <meaning> (<code>, <syscall>)" for a file-system error naming a path; else undefined. */
export function fileSystemProblem(error: unknown): string | undefined {
  const e = error as { code?: unknown; path?: unknown; dest?: unknown; syscall?: unknown } | null;
  if (typeof e?.code !== 'string' || !Object.hasOwn(FILE_ERRORS, e.code) || typeof e.path !== 'string')
    return undefined;
  // A rename onto a folder (EISDIR) or into a missing one names the destination.
  const path = typeof e.dest === 'string' ? e.dest : e.path;
  // A writer's temporary name (files.ts `<file>.<pid>.tmp`, the file store's `.<pid>.<n>.finml-tmp`) is the file's.
  return `${path.replace(/\.\d+(\.\d+)?\.(tmp|finml-tmp)$/, '')}: ${FILE_ERRORS[e.code]} (${e.code}${typeof e.syscall === 'string' ? `, ${e.syscall}` : ''})`;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Why a path named as an input file is not one (`stats`: its stat, undefined when it does not exist). */
export function notAFile(path: string, stats: { isDirectory(): boolean } | undefined): string {
  if (stats === undefined) return `no such file: ${path}`;
  return stats.isDirectory()
    ? `${path} is a folder: name the CSV files in it`
    : `${path} is not a regular file`;
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
