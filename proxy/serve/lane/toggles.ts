// The toggles a user switches while the proxy runs: the pause and what CCP_OFFLOAD moves. Written only by
// the control room (npm run pause / resume / offload, the dashboard); everyone else reads `TogglesView`.
// Each change is an event, which the assembly writes to the log as a new run line, so the readers judge
// what follows by the policy in force. The pause flag file makes `npm run pause` survive a restart.
import { EventEmitter } from 'node:events';
import type { OffloadPolicy, SettingSource } from '../../common/config.js';
import { pauseFlagSet, writePauseFlag } from '../../common/logs-layout.js';
import { offloadWords } from '../../common/run-settings.js';

export interface TogglesView {
  readonly paused: boolean;
  /** What goes to the Z.AI lane now (CCP_OFFLOAD at start, switched live with npm run offload). */
  readonly offload: Readonly<OffloadPolicy>;
  /** Why the proxy started paused or not, when it is worth saying (the banner and the run line show it). */
  readonly pauseAtStart: PauseAtStart;
  /** `haiku`, `subagents`, both, or '' for nothing. */
  offloadWords(): string;
}

export class Toggles extends EventEmitter<{ changed: [] }> implements TogglesView {
  #paused: boolean;
  #offload: OffloadPolicy;
  readonly pauseAtStart: PauseAtStart;

  constructor(
    private readonly logsDir: string,
    opts: { offload: OffloadPolicy; offloadPaused: boolean; offloadPausedFrom: SettingSource },
  ) {
    super();
    this.#offload = { ...opts.offload };
    this.pauseAtStart = pauseAtStart(opts.offloadPaused, opts.offloadPausedFrom, pauseFlagSet(logsDir));
    this.#paused = this.pauseAtStart.paused;
    // An explicit setting becomes the remembered one, so a plain restart keeps what is in force now.
    if (opts.offloadPausedFrom === 'shell') writePauseFlag(logsDir, this.#paused);
  }

  get paused(): boolean {
    return this.#paused;
  }
  get offload(): Readonly<OffloadPolicy> {
    return this.#offload;
  }
  offloadWords(): string {
    return offloadWords(this.#offload);
  }

  /** npm run pause / resume (and the dashboard): effective on the next request, remembered for the next start. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    writePauseFlag(this.logsDir, paused);
    this.emit('changed');
  }

  /** npm run offload: effective on the next request; not remembered (CCP_OFFLOAD is). */
  setOffload(change: Partial<OffloadPolicy>): void {
    this.#offload = { ...this.#offload, ...change };
    this.emit('changed');
  }
}

export interface PauseAtStart {
  paused: boolean;
  /** What decided it: OFFLOAD_PAUSED from the shell, the remembered pause, OFFLOAD_PAUSED from .env, or the default. */
  from: 'shell' | 'remembered' | '.env' | 'default';
  /** One line for the banner when the outcome is not the plain default; empty otherwise. */
  note: string;
}

/**
 * Pure: an OFFLOAD_PAUSED given in the shell (or inline) wins over the remembered pause; from `.env` or
 * the default it can only add a pause (`.env.example` carries OFFLOAD_PAUSED=0, which must not undo
 * `npm run pause`).
 */
export function pauseAtStart(offloadPaused: boolean, from: SettingSource, remembered: boolean): PauseAtStart {
  if (from === 'shell') {
    const note =
      remembered && !offloadPaused
        ? 'OFFLOAD_PAUSED=0 from the shell overrides the remembered pause (cleared)'
        : offloadPaused
          ? 'paused by OFFLOAD_PAUSED=1 from the shell'
          : '';
    return { paused: offloadPaused, from: 'shell', note };
  }
  if (remembered)
    return {
      paused: true,
      from: 'remembered',
      note: 'paused since `npm run pause` (remembered in logs/.offload-paused): npm run resume, or start with OFFLOAD_PAUSED=0',
    };
  if (offloadPaused)
    return { paused: true, from: '.env', note: 'paused by OFFLOAD_PAUSED=1 in .env: npm run resume, or set it to 0' };
  return { paused: false, from: 'default', note: '' };
}
