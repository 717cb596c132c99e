/** DIR/README.md: what a customer finds in the export, written into every export. */
import type { ExportFormat } from './sink.js';

const FIELDS = `| field | meaning |
|---|---|
| \`id\` | this object's id, keyed for you: stable across your deliveries, unrelated to any other recipient's ids |
| \`pseudonym\` | the person's pseudonym, keyed for you the same way: one person, one pseudonym in every delivery to you |
| \`project\` | the collection project |
| \`collectedAt\` | when the record was collected (ISO 8601) |
| \`quasi\` | generalised quasi-identifiers (age band, gender, province) where the export includes them |
| \`attributes\` | the record's business attributes |
| \`text\` | the record's text fields, scrubbed of personal data |
| \`media[]\` | one entry per media file: \`file\` (its name), \`kind\`, \`format\`, \`mime\`, \`bytes\`, \`width\`/\`height\` or \`durationMs\` where known, \`sha256\` of the file |
`;

const CHECKING = `## Checking the delivery

    minisign -Vm SHA256SUMS -p signing.pub   # the signature, with the public key you were given
    sha256sum -c SHA256SUMS                  # every file

\`SHA256SUMS\` lists every file of the export; \`SHA256SUMS.minisig\` is its signature by the
sender's export signing key. If you received files ending in \`.age\`, they are sealed to your
age key: open each with \`age -d -i YOUR_KEY FILE.age > FILE\` first.
`;

export function readmeText(format: ExportFormat): string {
  const layout = format === 'manifest'
    ? `## Layout

- \`manifest.jsonl\`: one JSON object per line, one line per record (fields below).
- \`media/\`: the media files, named \`<media id>.<extension>\`; each line's \`media[].file\` is the path from this folder.
- \`export.json\`: the export's id and counts.
`
    : `## Layout (WebDataset)

- \`shard-000000.tar\`, \`shard-000001.tar\`, ...: tar shards of bounded size, the layout WebDataset
  and similar training loaders read. Each sample is \`<id>.json\` (the fields below) followed by its
  media files \`<id>.<extension>\` (\`<id>.<n>.<extension>\` when a sample has two of one kind); a
  \`media[].file\` is the member name inside the same shard.
- \`export.json\`: the export's id and counts.
`;
  return `# Dataset export\n\nThis folder is a dataset delivery. It carries no names, ID numbers, phone numbers or emails.\n\n${layout}\n## Fields\n\n${FIELDS}\n${CHECKING}`;
}
