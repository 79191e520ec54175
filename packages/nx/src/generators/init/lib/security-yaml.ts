/** The workspace `security.yaml` init writes: valid as is, every feature off, each one explained. */
import type { Tree } from '@nx/devkit';

/** Core reads either name; init writes the first and leaves an existing file of either name alone. */
export const WORKSPACE_CONFIG_FILES = ['security.yaml', 'security.yml'] as const;

export const WORKSPACE_SECURITY_YAML = `# Shipshape: supply-chain security for the container images of this workspace.
# Every feature is off. Turn on what you need; \`npx shipshape config validate\` checks this file.
# A project's own security.yaml (beside its project.json) overrides this one, and the options of
# a project's Shipshape targets override both. Secrets are never written here: passwords and
# tokens are read from env://VARIABLE or file://PATH.
security:
  # Fail-open: a failing step warns and the release goes on. \`true\` makes every enabled step
  # fail the release; each feature below can also set its own \`required: true\`.
  required: false

  # Sign each image, cosign-compatible (\`cosign verify\` and Kyverno can check it).
  signing:
    enabled: false
    # key: cosign.key                # key-based: a cosign key file (password from COSIGN_PASSWORD)
    # keyless: true                  # or keyless: Sigstore, with the CI run's OIDC identity
    # format: bundle                 # bundle (cosign v3), legacy (.sig tags: cosign v1/v2, Kyverno) or both
    verify:
      enabled: false                 # check the signature after signing (the verify target)
      # oidcIssuer: https://token.actions.githubusercontent.com

  # A software bill of materials per image.
  sbom:
    enabled: false
    # format: cyclonedx-json         # or spdx-json
    # tool: native                   # native (nothing to install), syft or trivy
    # attach: true                   # attach it to the image as a signed attestation

  # Vulnerability scanning (needs grype or trivy on PATH; a missing tool warns unless required).
  scan:
    enabled: false
    # tools:
    #   - { name: grype, required: true, failOn: critical }
    #   - { name: trivy }

  # SLSA v1 provenance of the build, attached to the image as a signed attestation.
  provenance:
    enabled: false

  # Registries that need more than ~/.docker/config.json gives (a private CA, explicit credentials).
  # registries:
  #   registry.example.com:
  #     caFile: certs/registry-ca.pem
  #     username: ci
  #     password: env://REGISTRY_PASSWORD
`;

/** Writes security.yaml unless the workspace has one already (init never overwrites the user's file). */
export function addWorkspaceSecurityConfig(tree: Tree): boolean {
  if (WORKSPACE_CONFIG_FILES.some((name) => tree.exists(name))) return false;
  tree.write(WORKSPACE_CONFIG_FILES[0], WORKSPACE_SECURITY_YAML);
  return true;
}
