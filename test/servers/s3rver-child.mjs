// s3rver in its own process, started by global-setup.ts with `--openssl-legacy-provider`:
// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 refuses otherwise,
// and the flag must not leak into the test workers. Prints {"port":N} once listening; exits
// when its standard input closes, so it never outlives the test run.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
