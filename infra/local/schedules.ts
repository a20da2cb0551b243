/**
 * EventBridge schedules on one machine: each schedule rule's rate(…) / cron(…) becomes a timer that
 * invokes the rule's Lambda targets with a "Scheduled Event". `scale` speeds time up for tests
 * (0.001: an hourly rule fires every 3.6 s); `run(name)` fires a rule at once.
 */
import { randomUUID } from 'node:crypto';
import type { LocalScheduleRule } from './deployment.ts';
import { type EventBridgeEvent, targetInputFor } from './events.ts';
import type { LocalLambda } from './lambda.ts';
import { parseSchedule, type Schedule } from './schedule-expression.ts';

export interface ScheduleRun {
  rule: string;
  /** `simulated`: fired by runDue at its simulated time (`startedAt` is that time). */
  trigger: 'timer' | 'manual' | 'simulated';
  startedAt: string;
  finishedAt?: string;
  results: { function: string; ok: boolean; result?: unknown; error?: string }[];
}

export type ScheduleListener = (run: ScheduleRun, phase: 'started' | 'finished' | 'skipped') => void;

interface Entry {
  rule: LocalScheduleRule;
  schedule: Schedule;
  timer?: NodeJS.Timeout;
  /** The virtual time (epoch ms) of the next firing. */
  nextAt?: number;
  running?: Promise<ScheduleRun>;
  /** Simulated time (runDue): the epoch ms of the next run. */
  virtualNext?: number;
}

export class LocalSchedules {
  private readonly entries = new Map<string, Entry>();
  private stopped = true;
  private anchor = { real: Date.now(), virtual: Date.now() };
  private scale: number;
  readonly history: ScheduleRun[] = [];
  private readonly listeners = new Set<ScheduleListener>();

  constructor(
    rules: readonly LocalScheduleRule[],
    private readonly lambda: LocalLambda,
    private readonly options: { account: string; region: string; scale: number },
  ) {
    this.scale = options.scale;
    for (const rule of rules) {
      for (const t of rule.targets) lambda.spec(t.arn); // a target the runtime cannot invoke fails at deploy
      this.entries.set(rule.name, { rule, schedule: parseSchedule(rule.expression) });
    }
  }

  onRun(listener: ScheduleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The rules: name, expression, and when each fires next (real time), if its timer runs. */
  list() {
    return [...this.entries.values()].map((e) => ({
      name: e.rule.name,
      logicalId: e.rule.logicalId,
      expression: e.rule.expression,
      enabled: e.rule.enabled,
      targets: e.rule.targets.map((t) => this.lambda.spec(t.arn).name),
      nextRun: e.nextAt === undefined ? null : new Date(this.realTime(e.nextAt)).toISOString(),
    }));
  }

  /** The rule named by its name (`Finml-MonitoringDriftCheck`), short name or logical id, any case. */
  find(name: string): LocalScheduleRule | undefined {
    const n = name.toLowerCase();
    for (const e of this.entries.values()) {
      const r = e.rule;
      const short = r.name.slice(r.name.indexOf('-') + 1);
      if ([r.name, r.logicalId, short].some((x) => x.toLowerCase() === n)) return r;
    }
    return undefined;
  }

  private realTime(virtual: number): number {
    return this.anchor.real + (virtual - this.anchor.virtual) * this.scale;
  }

  /**
   * Starts the timers of the enabled rules (a scale of 0 or less keeps them off); `scale` replaces the
   * time scale given at construction.
   */
  start(scale: number = this.scale): void {
    this.stop();
    this.scale = scale;
    this.stopped = false;
    if (!(this.scale > 0)) return;
    this.anchor = { real: Date.now(), virtual: Date.now() };
    for (const e of this.entries.values()) if (e.rule.enabled) this.arm(e, this.anchor.virtual);
  }

  private arm(e: Entry, after: number): void {
    if (this.stopped) return;
    e.nextAt = e.schedule.next(after);
    const delay = Math.max(0, this.realTime(e.nextAt) - Date.now());
    e.timer = setTimeout(
      () => {
        const firedAt = e.nextAt!;
        if (e.running) {
          this.emit(
            { rule: e.rule.name, trigger: 'timer', startedAt: new Date().toISOString(), results: [] },
            'skipped',
          );
        } else {
          void this.fire(e, 'timer');
        }
        this.arm(e, firedAt);
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    e.timer.unref();
  }

  private emit(run: ScheduleRun, phase: 'started' | 'finished' | 'skipped') {
    for (const l of this.listeners) l(run, phase);
  }

  private fire(e: Entry, trigger: ScheduleRun['trigger'], at?: number): Promise<ScheduleRun> {
    const run: ScheduleRun = {
      rule: e.rule.name,
      trigger,
      startedAt: new Date(at ?? Date.now()).toISOString(),
      results: [],
    };
    this.emit(run, 'started');
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.options.account,
      time: run.startedAt.replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: [e.rule.arn],
      detail: {},
    };
    const work = (async () => {
      for (const target of e.rule.targets) {
        const fn = this.lambda.spec(target.arn).name;
        try {
          const result = await this.lambda.invoke(target.arn, targetInputFor(target.input, event, e.rule));
          run.results.push({ function: fn, ok: true, result });
        } catch (error) {
          run.results.push({
            function: fn,
            ok: false,
            error: `${(error as Error).name}: ${(error as Error).message}`,
          });
        }
      }
      run.finishedAt = at === undefined ? new Date().toISOString() : run.startedAt;
      this.history.push(run);
      if (this.history.length > 200) this.history.shift();
      this.emit(run, 'finished');
      return run;
    })();
    e.running = work;
    const clear = () => {
      if (e.running === work) delete e.running;
    };
    work.then(clear, clear);
    return work;
  }

  /** Fires a rule now (the admin trigger) and resolves when its targets have answered. */
  run(name: string): Promise<ScheduleRun> | undefined {
    const rule = this.find(name);
    return rule ? this.fire(this.entries.get(rule.name)!, 'manual') : undefined;
  }

  /**
   * Simulated time, for soak tests (timers off): fires, one at a time in time order, every run of the
   * enabled rules due in (`from`, `until`] (epoch ms), as the timers would have, calling `setClock`
   * with each run's time first (the use cases' injected clock). The first call anchors each rate
   * rule at `from`; later calls continue from the last run.
   */
  async runDue(from: number, until: number, setClock: (ms: number) => void): Promise<ScheduleRun[]> {
    const enabled = [...this.entries.values()].filter((e) => e.rule.enabled);
    for (const e of enabled) e.virtualNext ??= e.schedule.next(from);
    const runs: ScheduleRun[] = [];
    for (;;) {
      let due: Entry | undefined;
      for (const e of enabled)
        if (e.virtualNext! <= until && (!due || e.virtualNext! < due.virtualNext!)) due = e;
      if (due === undefined) return runs;
      const at = due.virtualNext!;
      due.virtualNext = due.schedule.next(at);
      setClock(at);
      runs.push(await this.fire(due, 'simulated', at));
    }
  }

  /** Invocations started by schedules that are still running. */
  async idle(): Promise<void> {
    const running = [...this.entries.values()].map((e) => e.running).filter(Boolean);
    await Promise.allSettled(running);
  }

  /** Stops the timers (running invocations finish on their own; see idle()). */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      delete e.timer;
      delete e.nextAt;
    }
  }
}
