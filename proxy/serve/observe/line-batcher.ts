// Console output for the mitm terminal: the lines completed in one turn of the event loop go out in
// one write instead of one synchronous write each. Not later than that, so a crash loses nothing the
// proxy had already finished.
export class LineBatcher {
  private lines: string[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly write: (text: string) => void) {}

  push(line: string): void {
    this.lines.push(line);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.write(text);
  }
}
