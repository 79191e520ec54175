/**
 * `@shipshape/nx:verify`: checks that the image of image.json carries a signature that satisfies the
 * policy (a key, or a keyless identity and issuer). Never cached: what is in the registry can change.
 */
import type { ExecutorContext } from '@nx/devkit';
import { ShipshapeError, type LogSink } from '@shipshape/core/base';
import { verificationPolicy, verifyImage } from '@shipshape/core/signing';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { CONFIG_OVERRIDES } from '../../lib/config-overrides';
import { runStep } from '../../lib/step';
import type { VerifyExecutorOptions } from './schema';

export default function verifyExecutor(options: VerifyExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runStep(
    {
      name: 'verify',
      feature: 'verify',
      overrides: CONFIG_OVERRIDES.verify,
      enabled: (config) => config.signing.verify.enabled,
      disabledHint: 'signing.verify.enabled is false in security.yaml',
      run: async ({ config, opened, workspaceRoot }) => {
        const policy = await verificationPolicy(config.signing, { env: process.env, cwd: workspaceRoot });
        const result = await verifyImage(opened, policy);
        if (result.verified.length === 0) {
          const reasons = result.rejected.map((r) => `${r.format} ${r.location}: ${r.reason}`).join('; ');
          throw new ShipshapeError('check', `no valid signature matches the policy for ${result.image}${reasons ? `: ${reasons}` : ' (the image has no signatures)'}`);
        }
        const signers = [...new Set(result.verified.map((s) => (s.signer.kind === 'key' ? 'key' : `${s.signer.identity}`)))].join(', ');
        return { summary: `verified ${result.image}: ${result.verified.length} signature(s) by ${signers}`, result: { ...result } };
      },
    },
    options,
    context,
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(verifyExecutor, batchConcurrency('registry'));
