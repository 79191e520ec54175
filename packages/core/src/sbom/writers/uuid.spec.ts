import { SHIPSHAPE_SBOM_NAMESPACE, uuidV5 } from './uuid';

describe('uuidV5', () => {
  it('matches RFC 9562 version-5 UUIDs as other implementations compute them', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'), and the namespace's own derivation.
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(uuidV5('https://shipshape.dev/sbom', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(SHIPSHAPE_SBOM_NAMESPACE);
  });
});
