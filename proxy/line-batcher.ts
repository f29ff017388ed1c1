// Console output for the mitm terminal, written in batches: one write per interval instead of one
// synchronous write per request, which under load cost more CPU than routing the request itself.
export class LineBatcher {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly intervalMs = 50,
  ) {}

  push(line: string): void {
    this.lines.push(line);
    // unref: pending console output never keeps the process alive; shutdown calls flush().
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs).unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.write(text);
  }
}
