// Whether a process still exists. Pure but for asking the kernel (signal 0 sends nothing).

/** True while `pid` exists; EPERM means it does, as another user's process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
