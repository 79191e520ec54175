/**
 * One signer of the concurrent legacy-signing test (signing/legacy/legacy.spec.ts), run as its own Node
 * process with its own key and RegistryClient — nothing shared with the other signers but the
 * registry, as with parallel Nx tasks or CI jobs. It connects, says `ready`, waits for `go` on stdin
 * (so all signers race for the `.sig` tag at once), signs, and prints `{"publicKey":PEM,"added":bool,"tagWrites":n}`
 * (more than one write means it had to repair an overwrite by a concurrent signer).
 * Test-only (excluded from the build).
 *
 *   node -r <ts register> legacy-signer.ts HOST REPOSITORY IMAGE_DIGEST
 */
import { generateKeyPairSync } from 'node:crypto';
import { runChildMain, waitForLine } from '../../../test-support/child-main';
import { RegistryClient } from '../../../oci/registry/client';
import { RegistryRepository } from '../../../oci/registry/repository';
import { keySigningSetup } from '../../key-signer';
import { signLegacy } from '../sign';

async function main(argv: string[]): Promise<void> {
  const [host, repository, digest] = argv;
  if (!host || !repository || !digest) throw new Error('usage: legacy-signer HOST REPOSITORY IMAGE_DIGEST');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const setup = keySigningSetup(privateKey, publicKey, 'writer key', { hash: 'sha256' });
  const client = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 } });
  const store = new RegistryRepository(client, host, repository);
  let tagWrites = 0;
  const putManifest = store.putManifest.bind(store);
  store.putManifest = (bytes, mediaType, tag) => {
    if (tag?.endsWith('.sig')) tagWrites++;
    return putManifest(bytes, mediaType, tag);
  };
  // Connect (and learn the registry's auth) before the race starts.
  await store.resolve(digest);

  process.stdout.write('ready\n');
  await waitForLine('go');
  const result = await signLegacy(store, { descriptor: { digest }, repository: `${host}/${repository}` }, setup);
  client.close();
  process.stdout.write(`${JSON.stringify({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), added: result.added, tagWrites })}\n`);
}

runChildMain(main);
