/**
 * CPU time of the processes a run drives, read from Linux's /proc, so a run's CPU can be split between the
 * engine and the parts it shares the machine with: the FHIR server, the PostgreSQL backends serving the
 * benchmark's database (background writers excluded) and Redis. Elsewhere than Linux the figures are absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface MachineCpu {
  fhirServerMs: number;
  postgresMs: number;
  redisMs: number;
}

/** Cumulative CPU milliseconds by process id, for the processes of interest. */
export interface CpuSnapshot {
  fhirServer: Map<number, number>;
  postgres: Map<number, number>;
  redis: Map<number, number>;
}

const TICKS_PER_SECOND = existsSync('/proc/self/stat') ? Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) : 0;

/** The command name and own user + system milliseconds of a process; undefined once it has exited. */
function processCpu(pid: string): { command: string; ms: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: the fields after it start at its last ')'.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
    return { command: stat.slice(stat.indexOf('(') + 1, close), ms: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Whether a PostgreSQL process is a backend of `database`: its title reads `postgres: [<cluster>:] <user> <database> <client> <state>`. */
function servesDatabase(pid: string, database: string): boolean {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return title.split(' ').slice(1, 4).includes(database);
  } catch {
    return false;
  }
}

export function cpuSnapshot(fhirServerPid: number, database?: string): CpuSnapshot | undefined {
  if (!TICKS_PER_SECOND) return undefined;
  const snapshot: CpuSnapshot = { fhirServer: new Map(), postgres: new Map(), redis: new Map() };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const cpu = processCpu(pid);
    if (!cpu) continue;
    if (Number(pid) === fhirServerPid) snapshot.fhirServer.set(Number(pid), cpu.ms);
    else if (cpu.command === 'redis-server') snapshot.redis.set(Number(pid), cpu.ms);
    else if (cpu.command === 'postgres' && database && servesDatabase(pid, database)) snapshot.postgres.set(Number(pid), cpu.ms);
  }
  return snapshot;
}

/**
 * CPU used between two snapshots, process by process: a process new in `after` counts in full. Take `after`
 * while the engine still holds its connections: a backend's CPU time goes with it when it exits.
 */
export function cpuBetween(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): MachineCpu | undefined {
  if (!before || !after) return undefined;
  const used = (kind: keyof CpuSnapshot) => {
    let total = 0;
    for (const [pid, ms] of after[kind]) total += ms - (before[kind].get(pid) ?? 0);
    return total;
  };
  return { fhirServerMs: used('fhirServer'), postgresMs: used('postgres'), redisMs: used('redis') };
}
