/** The code version written into outputs and Lambda environments: package version + git commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function codeVersion(): string {
  if (process.env.FINML_CODE_VERSION) return process.env.FINML_CODE_VERSION;
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return `${version}+${commit}`;
  } catch {
    return version;
  }
}
