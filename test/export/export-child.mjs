// Runs one export in its own process (node --expose-gc) and prints its summary, its peak RSS and
// its peak live heap (sampled after a full collection every 250 ms): the test's memory oracle.
import { exportDataset } from '../../dist/export/export.js';

const [dataDir, out, recipient, k] = process.argv.slice(2);
let peakLive = 0;
const sample = () => {
  globalThis.gc();
  peakLive = Math.max(peakLive, process.memoryUsage().heapUsed + process.memoryUsage().external);
};
const timer = setInterval(sample, 250);
const s = await exportDataset({ dataDir, out, recipient, k: Number(k) });
clearInterval(timer);
process.stdout.write(JSON.stringify({
  records: s.records, excluded: s.excluded, kAnonymity: s.kAnonymity, elapsedMs: s.elapsedMs,
  maxRssKiB: process.resourceUsage().maxRSS, peakLiveKiB: Math.round(peakLive / 1024),
}) + '\n');
