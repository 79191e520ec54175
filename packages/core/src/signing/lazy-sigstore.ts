/**
 * sigstore-js's signing and TUF clients pull in an HTTP client stack (make-fetch-happen, cacache, TUF
 * models): ~110 ms of module loading that a digest lookup or a verification never uses. They are
 * loaded on first use instead, so an Nx task or CLI run that does not sign does not pay for them.
 */
type SigstoreSign = typeof import('@sigstore/sign');
type SigstoreTuf = typeof import('@sigstore/tuf');

let signModule: Promise<SigstoreSign> | undefined;
let tufModule: Promise<SigstoreTuf> | undefined;

export function loadSigstoreSign(): Promise<SigstoreSign> {
  signModule ??= import('@sigstore/sign');
  return signModule;
}

export function loadSigstoreTuf(): Promise<SigstoreTuf> {
  tufModule ??= import('@sigstore/tuf');
  return tufModule;
}
