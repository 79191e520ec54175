/**
 * What an external tool needs to reach the registry Shipshape already talks to: whether it speaks plain
 * HTTP (asked of Shipshape's own client, which probed it), whether TLS is to be verified, the CA, and
 * credentials from the same sources Shipshape uses (configuration, then Docker's config.json and its
 * credential helpers). A Docker identity token (an OAuth refresh token) is left to the tool, which
 * reads config.json itself.
 */
import { apiHost, DOCKER_HUB, type RegistryReference } from '../../oci/reference';
import type { RegistryClient } from '../../oci/registry/client';
import { findCredentials } from '../../oci/registry/credentials';
import { discard } from '../../oci/registry/http';
import type { RegistryAccess } from './source';

export async function registryAccessFor(client: RegistryClient, reference: RegistryReference, env: NodeJS.ProcessEnv): Promise<RegistryAccess> {
  const host = apiHost(reference);
  const settings = client.settings(reference.registry);
  let plainHttp = false;
  if (client.allowsPlainHttp(host)) {
    // The client tries HTTPS first and falls back to HTTP where allowed; the URL that answered says which.
    const response = await client.request(host, { method: 'GET', path: '/v2/', repository: reference.repository, actions: ['pull'] });
    discard(response);
    plainHttp = response.url.protocol === 'http:';
  }
  const found = await findCredentials(host, {
    env,
    explicit: () => (settings.password ? { username: settings.username, password: settings.password } : undefined),
  });
  const credentials = found?.registryToken
    ? { token: found.registryToken }
    : found?.password
      ? { username: found.username, password: found.password }
      : undefined;
  return {
    // Tools match credentials by the registry's canonical name; Docker Hub's is index.docker.io to them.
    host: reference.registry === DOCKER_HUB ? 'index.docker.io' : reference.registry,
    ...(plainHttp ? { plainHttp } : {}),
    ...(settings.insecure && !plainHttp ? { skipTlsVerify: true } : {}),
    ...(settings.caFile ? { caFile: settings.caFile } : {}),
    ...(credentials ? { credentials } : {}),
  };
}
