import { PackageURL } from 'packageurl-js';
import parseLicense from 'spdx-expression-parse';
import { VERSION } from '../../version';
import { writeSpdxJson, type SpdxDocument } from './spdx';
import { APP_LAYER, BASE_LAYER, IMAGE_DIGEST, sampleResult } from './test-support/catalog-results';
import { spdxProblems } from './test-support/validate';

const TIME = new Date('2026-01-02T03:04:05.678Z');

function doc(json: string): SpdxDocument {
  return JSON.parse(json) as SpdxDocument;
}

describe('SPDX writer', () => {
  it('writes a document the SPDX 2.3 JSON schema accepts', () => {
    const json = writeSpdxJson(sampleResult(), { timestamp: TIME });
    expect(spdxProblems(json)).toEqual([]);
    // And the schema does refuse a broken one.
    const broken = doc(json) as unknown as Record<string, unknown>;
    delete broken.documentNamespace;
    expect(spdxProblems(JSON.stringify(broken))).not.toEqual([]);
  });

  it('names Shipshape and its version as the creator tool, with the creation time in seconds', () => {
    const d = doc(writeSpdxJson(sampleResult(), { timestamp: TIME }));
    expect(d.creationInfo).toEqual({ created: '2026-01-02T03:04:05Z', creators: ['Organization: Shipshape', `Tool: shipshape-${VERSION}`] });
    expect(d.documentNamespace).toMatch(/^https:\/\/shipshape\.dev\/spdx\/image\/debian12-[0-9a-f-]{36}$/);
  });

  it('describes the image package by digest (purl, checksum) and relates it to every package it contains', () => {
    const result = sampleResult();
    const d = doc(writeSpdxJson(result, { timestamp: TIME }));
    const describes = d.relationships.filter((r) => r.relationshipType === 'DESCRIBES');
    expect(describes).toEqual([{ spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: 'SPDXRef-DocumentRoot-Image-debian12', relationshipType: 'DESCRIBES' }]);
    const image = d.packages.find((p) => p.SPDXID === 'SPDXRef-DocumentRoot-Image-debian12')!;
    expect(image).toMatchObject({ name: '127.0.0.1:5000/shipshape/debian12', versionInfo: IMAGE_DIGEST, primaryPackagePurpose: 'CONTAINER' });
    expect(image.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: IMAGE_DIGEST.slice(7) }]);
    const purl = PackageURL.fromString(image.externalRefs![0]!.referenceLocator);
    expect([purl.type, purl.version, purl.qualifiers?.repository_url]).toEqual(['oci', IMAGE_DIGEST, '127.0.0.1:5000/shipshape/debian12']);
    expect(image.comment).toContain(BASE_LAYER);
    expect(image.comment).toContain(APP_LAYER);

    const contained = new Set(d.relationships.filter((r) => r.relationshipType === 'CONTAINS' && r.spdxElementId === image.SPDXID).map((r) => r.relatedSpdxElement));
    const others = d.packages.filter((p) => p !== image);
    expect(contained).toEqual(new Set(others.map((p) => p.SPDXID)));
    expect(others.filter((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM').map((p) => [p.name, p.versionInfo])).toEqual([['debian', '12']]);
    const purls = others.flatMap((p) => (p.externalRefs ?? []).filter((r) => r.referenceType === 'purl').map((r) => r.referenceLocator));
    expect(new Set(purls)).toEqual(new Set(result.packages.map((p) => p.purl)));
  });

  it('uses valid, unique SPDX ids, and every relationship points at an element that exists', () => {
    const d = doc(writeSpdxJson(sampleResult(), { timestamp: TIME }));
    const ids = d.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    const known = new Set([...ids, 'SPDXRef-DOCUMENT']);
    for (const r of d.relationships) {
      expect(known.has(r.spdxElementId)).toBe(true);
      expect(known.has(r.relatedSpdxElement)).toBe(true);
    }
  });

  it('declares licences as one valid SPDX expression, free text as LicenseRefs with the text kept', () => {
    const d = doc(writeSpdxJson(sampleResult(), { timestamp: TIME }));
    const declared = (name: string) => d.packages.find((p) => p.name === name)!.licenseDeclared;
    expect(declared('bash')).toBe('GPL-3.0-or-later');
    expect(declared('bsdutils')).toBe('BSD-4-Clause AND LicenseRef-GPL-2 AND LicenseRef-public-domain');
    expect(declared('log4j-core')).toBe('(Apache-2.0 OR MIT) AND BSD-3-Clause');
    expect(declared('openssl-libs')).toBe('LicenseRef-ASL-2.0');
    expect(declared('base-files')).toBe('NOASSERTION');
    for (const p of d.packages) {
      if (p.licenseDeclared !== 'NOASSERTION') expect(() => parseLicense(p.licenseDeclared)).not.toThrow();
    }
    expect(d.hasExtractedLicensingInfos).toEqual([
      { licenseId: 'LicenseRef-ASL-2.0', extractedText: 'ASL 2.0', name: 'ASL 2.0' },
      { licenseId: 'LicenseRef-GPL-2', extractedText: 'GPL-2+', name: 'GPL-2+' },
      { licenseId: 'LicenseRef-public-domain', extractedText: 'public-domain', name: 'public-domain' },
    ]);
  });

  it('writes the supplier as an SPDX agent, CPEs as security references, and where each package was found', () => {
    const d = doc(writeSpdxJson(sampleResult(), { timestamp: TIME }));
    const pkg = (name: string) => d.packages.find((p) => p.name === name)!;
    expect(pkg('musl').supplier).toBe('Person: Timo Teräs (timo.teras@iki.fi)');
    expect(pkg('openssl-libs').supplier).toBe('Person: Red Hat, Inc.');
    expect(pkg('@types/ms').supplier).toBe('NOASSERTION');
    expect(pkg('openssl-libs').externalRefs?.filter((r) => r.referenceCategory === 'SECURITY').map((r) => r.referenceType)).toEqual(['cpe23Type', 'cpe23Type']);
    expect(pkg('bash').sourceInfo).toBe(`acquired package info from /var/lib/dpkg/status (layer ${BASE_LAYER})`);
  });

  it('is deterministic: same input → same bytes whatever the package order; only the creation time varies', () => {
    const result = sampleResult();
    const first = writeSpdxJson(result, { timestamp: TIME });
    expect(writeSpdxJson({ ...result, packages: [...result.packages].reverse() }, { timestamp: TIME })).toBe(first);
    const later = writeSpdxJson(result, { timestamp: new Date('2030-01-01T00:00:00Z') });
    expect(later.replace(/"created": "[^"]+"/, '')).toBe(first.replace(/"created": "[^"]+"/, ''));
  });
});
