// `node --import ./test/helpers/forbid-tsx.mjs …`: registers resolve hooks that fail any import of
// tsx or of a .ts file, so a process that runs to the end with it loaded no TypeScript.
import { register } from 'node:module';

register('./forbid-tsx-hooks.mjs', import.meta.url);
