// Runs one export in its own process and prints its summary and peak RSS (the test's oracle for bounded memory).
import { exportDataset } from '../../dist/export/export.js';

const [dataDir, out, recipient, k] = process.argv.slice(2);
const s = await exportDataset({ dataDir, out, recipient, k: Number(k) });
process.stdout.write(JSON.stringify({ records: s.records, excluded: s.excluded, kAnonymity: s.kAnonymity, elapsedMs: s.elapsedMs, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
