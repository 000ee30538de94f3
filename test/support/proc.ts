import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** What the kernel says one process holds: memory (now and at its peak), descriptors, CPU time. */
export interface ProcSample {
  rssKb: number;
  peakRssKb: number;
  fds: number;
  cpuSeconds: number;
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name}`);
  return Number(match[1]);
}

/** Reads /proc/PID of a real child process: work and memory measured, not wall-clock time. */
export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return {
    rssKb: statusField(status, 'VmRSS'),
    peakRssKb: statusField(status, 'VmHWM'),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    cpuSeconds: (utime + stime) / USER_HZ,
  };
}

/** Sockets of a process in CLOSE-WAIT: the peer closed, the process never did. */
export function closeWaitSockets(pid: number): number {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // st 08 is CLOSE_WAIT; column 9 is the socket's inode.
      if (columns[3] === '08' && inodes.has(columns[9])) count += 1;
    }
  }
  return count;
}
