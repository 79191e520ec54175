/**
 * The image as an external SBOM tool is told about it, and what it needs to reach a registry. Built
 * once from Shipshape's own view of the image (reference pinned to its digest, registry settings,
 * credentials) so syft and trivy scan exactly the image Shipshape resolved.
 */
export interface RegistryAccess {
  /** `host[:port]` as in the reference. */
  host: string;
  /** The registry speaks plain HTTP (loopback, or a host marked insecure that answered over HTTP). */
  plainHttp?: boolean;
  /** Do not verify the registry's TLS certificate (a host marked insecure). */
  skipTlsVerify?: boolean;
  /** A PEM file with the CA that signed the registry's certificate. */
  caFile?: string;
  /** Passed to the tool through its environment only, never on the command line. */
  credentials?: { username?: string; password?: string; token?: string };
}

export type ToolImageSource =
  /** `reference` is `host/repository@sha256:…` (pinned: the tool scans what Shipshape resolved). */
  | { kind: 'registry'; reference: string; access: RegistryAccess }
  /** An OCI image layout directory; `digest` or `tag` picks one entry of its index.json. */
  | { kind: 'oci-dir'; dir: string; digest?: string; tag?: string }
  | { kind: 'docker-archive'; file: string };

/** What every backend returns: the arguments and the environment, secrets kept apart. */
export interface ToolInvocation {
  args: string[];
  /** Settings (not secret); added to the inherited environment. */
  env: Record<string, string>;
  /** Passwords and tokens: registered for redaction before the tool starts (runTool's secretEnv). */
  secretEnv: Record<string, string>;
  /** Where the document ends up. */
  outputFile: string;
  /** Whether runTool should send stdout to `outputFile` (syft) or the tool writes it itself (trivy). */
  stdoutToFile: boolean;
}
