/** What Linux's /proc says about a process: its memory and CPU time, for the bench's figures and the tests' bounds. */
import { readFileSync } from 'node:fs';

/** Resident set size of a process (VmRSS of /proc/<pid>/status), in bytes; throws if the process is gone. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS in /proc/${String(pid)}/status`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) a process has used, in seconds (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
