/**
 * A one-line progress display on a terminal, redrawn at most four times a second; silent when
 * stderr is not a terminal (CI logs, pipes), so scripted runs stay quiet.
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;

  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
  }

  update(counts: { records: number; stored: number; rejected: number; duplicates: number }, startedAt: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const rate = counts.records / Math.max(0.001, (now - startedAt) / 1000);
    const line = `${this.label}: ${counts.records.toLocaleString('en')} records  stored ${counts.stored.toLocaleString('en')}  ` +
      `rejected ${counts.rejected.toLocaleString('en')}  duplicates ${counts.duplicates.toLocaleString('en')}  ${Math.round(rate).toLocaleString('en')} rec/s`;
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
