/**
 * Vitest global setup of the end-to-end tests: builds the dashboard (dashboard/dist) when its build is
 * missing or stale, exactly as `npm start` does (infra/local/dashboard-build.ts), so the browser tests
 * the code in the working tree.
 */
import { ensureDashboardBuilt } from '../../infra/local/dashboard-build.ts';

export default function setup(): void {
  const build = ensureDashboardBuilt();
  if (build.status === 'failed')
    throw new Error(`the dashboard build failed: ${build.reason}\n${build.output}`);
}
