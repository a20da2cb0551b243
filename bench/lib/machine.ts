/** The machine and code a benchmark ran on, so that figures from different runs can be compared. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem, type, uptime } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  node: string;
  v8: string;
  os: { type: string; release: string; platform: string; arch: string; name: string | null };
  /** 1, 5 and 15 minute load averages when the run started (2 cores fully busy = 2.0). */
  loadAverage: [number, number, number];
  uptimeSeconds: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  const [one, five, fifteen] = loadavg() as [number, number, number];
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    os: { type: type(), release: release(), platform: platform(), arch: arch(), name: osName() },
    loadAverage: [one, five, fifteen],
    uptimeSeconds: uptime(),
  };
}

export function currentLoad(): [number, number, number] {
  return loadavg() as [number, number, number];
}

/** PRETTY_NAME of /etc/os-release (Linux), else null. */
function osName(): string | null {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

export interface CodeVersion {
  commit: string | null;
  /** True when tracked files differ from the commit (the figures are then of uncommitted code). */
  dirty: boolean | null;
}

/** The git commit of the working tree (read-only git commands; null outside a repository). */
export function codeVersion(cwd: string): CodeVersion {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    };
  } catch {
    return { commit: null, dirty: null };
  }
}
