/**
 * `npm run build -w dashboard`: builds the dashboard into dashboard/dist exactly as `npm start` does
 * (infra/local/dashboard-build.ts: Vite into a staging folder that replaces dist/ only when the
 * build succeeded, with the stamp of the sources it was built from), so the next `npm start` finds
 * it current instead of building it again. Prints Vite's whole output; exits 1 when the build failed.
 */
import { ensureDashboardBuilt } from '../infra/local/dashboard-build.ts';

const build = ensureDashboardBuilt(undefined, { force: true });
if (build.status === 'failed') {
  process.stderr.write(`${build.output}\n✘ the dashboard was not built: ${build.reason}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(
    `${build.status === 'built' ? build.output : ''}✓ dashboard built into ${build.dir}\n`,
  );
}
