import { PackageURL } from 'packageurl-js';
import { VERSION } from '../../version';
import { writeCycloneDxJson } from './cyclonedx';
import { APP_LAYER, BASE_DIFF_ID, BASE_LAYER, IMAGE_DIGEST, sampleResult } from './test-support/catalog-results';
import { cycloneDxProblems } from './test-support/validate';

interface Property {
  name: string;
  value: string;
}
interface CdxComponent {
  'bom-ref': string;
  type: string;
  name: string;
  version?: string;
  purl?: string;
  cpe?: string;
  supplier?: { name: string; contact?: { email: string }[] };
  licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[];
  hashes?: { alg: string; content: string }[];
  properties?: Property[];
}
interface CdxBom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: { components: CdxComponent[] }; authors: { name: string }[]; component: CdxComponent; properties?: Property[] };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

const TIME = new Date('2026-01-02T03:04:05Z');

function bom(json: string): CdxBom {
  return JSON.parse(json) as CdxBom;
}
function props(component: CdxComponent): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of component.properties ?? []) (out[p.name] ??= []).push(p.value);
  return out;
}
function byName(doc: CdxBom, name: string): CdxComponent[] {
  return doc.components.filter((c) => c.name === name);
}

describe('CycloneDX writer', () => {
  it('writes a document the CycloneDX 1.6 strict schema accepts', async () => {
    const json = writeCycloneDxJson(sampleResult(), { timestamp: TIME });
    expect(await cycloneDxProblems(json)).toEqual([]);
    const doc = bom(json);
    expect(doc).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    // The validator is not a rubber stamp: a licence list mixing an expression with an id is refused.
    const [first] = doc.components.filter((c) => c.type === 'library');
    first!.licenses = [{ expression: 'MIT OR Apache-2.0' }, { license: { id: 'MIT' } }];
    expect(await cycloneDxProblems(JSON.stringify(doc))).not.toEqual([]);
  });

  it('describes the image by digest with a pkg:oci purl and names Shipshape as the tool', () => {
    const doc = bom(writeCycloneDxJson(sampleResult(), { timestamp: TIME }));
    const image = doc.metadata.component;
    expect(image.type).toBe('container');
    expect(image.name).toBe('127.0.0.1:5000/shipshape/debian12');
    expect(image.version).toBe(IMAGE_DIGEST);
    expect(image.hashes).toEqual([{ alg: 'SHA-256', content: IMAGE_DIGEST.slice('sha256:'.length) }]);
    const purl = PackageURL.fromString(image.purl!);
    expect({ type: purl.type, name: purl.name, version: purl.version, qualifiers: purl.qualifiers }).toEqual({
      type: 'oci',
      name: 'debian12',
      version: IMAGE_DIGEST,
      qualifiers: { arch: 'amd64', repository_url: '127.0.0.1:5000/shipshape/debian12' },
    });
    expect(doc.metadata.tools.components).toEqual([expect.objectContaining({ type: 'application', name: 'shipshape', version: VERSION })]);
    expect(doc.metadata.authors).toEqual([{ name: 'Shipshape' }]);
    expect(doc.metadata.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(props(image)['shipshape:image:layer:000:digest']).toEqual([BASE_LAYER]);
    expect(props(image)['shipshape:image:layer:001:digest']).toEqual([APP_LAYER]);
    expect(props(image)['shipshape:image:layer:000:diffID']).toEqual([BASE_DIFF_ID]);
  });

  it('lists every package with its purl, a unique bom-ref, and the image depending on each (NTIA)', () => {
    const result = sampleResult();
    const doc = bom(writeCycloneDxJson(result, { timestamp: TIME }));
    const libraries = doc.components.filter((c) => c.type === 'library');
    expect(libraries).toHaveLength(result.packages.length);
    expect(new Set(libraries.map((c) => c.purl))).toEqual(new Set(result.packages.map((p) => p.purl)));
    const refs = doc.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    for (const c of libraries) {
      expect(c['bom-ref'].startsWith(c.purl!)).toBe(true);
      expect(c.version).toBeTruthy();
    }
    const imageDeps = doc.dependencies.find((d) => d.ref === doc.metadata.component['bom-ref']);
    expect(new Set(imageDeps?.dependsOn)).toEqual(new Set(refs));
    // Two copies of ms@2.1.3 at different paths stay two components.
    expect(byName(doc, 'ms').map((c) => props(c)['syft:location:0:path']).flat().sort()).toEqual([
      '/app/node_modules/ms/package.json',
      '/app/node_modules/other/node_modules/ms/package.json',
    ]);
  });

  it('records the distro as an operating-system component with the syft properties grype reads', () => {
    const doc = bom(writeCycloneDxJson(sampleResult(), { timestamp: TIME }));
    const [os] = doc.components.filter((c) => c.type === 'operating-system');
    expect(os).toMatchObject({ name: 'debian', version: '12' });
    expect(props(os!)).toMatchObject({ 'syft:distro:id': ['debian'], 'syft:distro:versionID': ['12'], 'syft:distro:prettyName': ['Debian GNU/Linux 12 (bookworm)'] });
  });

  it('records where each package was found: path, layer digest, and the diff ID as syft layerID when known', () => {
    const doc = bom(writeCycloneDxJson(sampleResult(), { timestamp: TIME }));
    const [bash] = byName(doc, 'bash');
    expect(props(bash!)).toMatchObject({
      'syft:package:type': ['deb'],
      'syft:location:0:path': ['/var/lib/dpkg/status'],
      'shipshape:location:0:layerDigest': [BASE_LAYER],
      'syft:location:0:layerID': [BASE_DIFF_ID],
      'shipshape:package:sourceName': ['bash'],
      'shipshape:package:sourceVersion': ['5.2.15-2'],
    });
    const [typesMs] = byName(doc, '@types/ms');
    expect(props(typesMs!)['shipshape:location:0:layerDigest']).toEqual([APP_LAYER]);
    expect(props(typesMs!)['syft:location:0:layerID']).toBeUndefined();
    const [cobra] = byName(doc, 'github.com/spf13/cobra');
    expect(props(cobra!)).toMatchObject({ 'syft:package:type': ['go-module'], 'shipshape:metadata:mainModule': ['example.com/app'] });
  });

  it('writes licences as SPDX ids, one expression, or names — never mixing an expression with others', () => {
    const doc = bom(writeCycloneDxJson(sampleResult(), { timestamp: TIME }));
    expect(byName(doc, 'bash')[0]!.licenses).toEqual([{ license: { id: 'GPL-3.0-or-later' } }]);
    // Sorted by the library (kind, then value): order carries no meaning in CycloneDX.
    expect(byName(doc, 'bsdutils')[0]!.licenses).toEqual(
      expect.arrayContaining([{ license: { id: 'BSD-4-Clause' } }, { license: { name: 'GPL-2+' } }, { license: { name: 'public-domain' } }]),
    );
    expect(byName(doc, 'bsdutils')[0]!.licenses).toHaveLength(3);
    expect(byName(doc, 'log4j-core')[0]!.licenses).toEqual([{ expression: 'BSD-3-Clause AND (Apache-2.0 OR MIT)' }]);
    expect(byName(doc, 'openssl-libs')[0]!.licenses).toEqual([{ license: { name: 'ASL 2.0' } }]);
    expect(byName(doc, 'base-files')[0]!.licenses).toBeUndefined();
  });

  it('splits the supplier into a name and a contact e-mail, and writes CPEs', () => {
    const doc = bom(writeCycloneDxJson(sampleResult(), { timestamp: TIME }));
    expect(byName(doc, 'musl')[0]!.supplier).toEqual({ name: 'Timo Teräs', contact: [{ email: 'timo.teras@iki.fi' }] });
    expect(byName(doc, 'openssl-libs')[0]!.supplier).toEqual({ name: 'Red Hat, Inc.' });
    const [openssl] = byName(doc, 'openssl-libs');
    expect(openssl!.cpe).toBe('cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*');
    expect(props(openssl!)['syft:cpe23']).toEqual(['cpe:2.3:a:redhat:openssl-libs:3.0.7:*:*:*:*:*:*:*']);
  });

  it('is deterministic: same input → same bytes, whatever the package order; only the timestamp varies', () => {
    const result = sampleResult();
    const first = writeCycloneDxJson(result, { timestamp: TIME });
    const shuffled = writeCycloneDxJson({ ...result, packages: [...result.packages].reverse() }, { timestamp: TIME });
    expect(shuffled).toBe(first);
    const later = writeCycloneDxJson(result, { timestamp: new Date('2027-05-06T07:08:09Z') });
    expect(later.replace(/"timestamp": "[^"]+"/, '')).toBe(first.replace(/"timestamp": "[^"]+"/, ''));
    expect(bom(first).serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const otherImage = bom(writeCycloneDxJson(sampleResult({ imageDigest: `sha256:${'3'.repeat(64)}` }), { timestamp: TIME }));
    expect(otherImage.serialNumber).not.toBe(bom(first).serialNumber);
  });

  it('describes an OCI layout image without a repository_url, and carries warnings as properties', async () => {
    const json = writeCycloneDxJson(
      sampleResult({ imageReference: `oci:/tmp/layouts/My-App@${IMAGE_DIGEST}`, platform: undefined, distro: undefined, packages: [], warnings: ['a truncated file'] }),
      { timestamp: TIME },
    );
    expect(await cycloneDxProblems(json)).toEqual([]);
    const doc = bom(json);
    expect(doc.metadata.component.name).toBe('/tmp/layouts/My-App');
    expect(doc.metadata.component.purl).toBe(`pkg:oci/my-app@${IMAGE_DIGEST}`);
    expect(doc.metadata.properties).toEqual([{ name: 'shipshape:warning:0', value: 'a truncated file' }]);
    expect(doc.components).toEqual([]);
  });
});
