/**
 * The local runtime in a child process, for the fault suite's kill -9: started on a state folder with
 * a template synthesized by the parent (a JSON file), printing its progress lines on stdout and
 * `READY {"s3": …, "bronze": …}` once it listens.
 * Usage: node --import tsx test/helpers/runtime-child.ts <stateDir> <stack.json>
 */
import { readFile } from 'node:fs/promises';
import { startLocalRuntime } from '../../infra/local/runtime.ts';
import type { SynthesizedStack } from '../../infra/local/template.ts';

const [stateDir, stackFile] = process.argv.slice(2);
if (!stateDir || !stackFile) throw new Error('usage: runtime-child.ts <stateDir> <stack.json>');
const stack = JSON.parse(await readFile(stackFile, 'utf8')) as SynthesizedStack;
const rt = await startLocalRuntime({
  stateDir,
  stack,
  ports: { api: 0, s3: 0, dynamodb: 0 },
  scheduleScale: 0,
  print: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`READY ${JSON.stringify({ s3: rt.urls.s3, bronze: rt.names.bronze })}\n`);
