import { editDistance, suggest } from './suggest';

describe('did-you-mean suggestions', () => {
  it('measures typos the way people make them', () => {
    expect(editDistance('failon', 'failOn')).toBe(0);
    expect(editDistance('grpye', 'grype')).toBe(1);
    expect(editDistance('keyles', 'keyless')).toBe(1);
    expect(editDistance('sbom', 'scan')).toBe(3);
  });

  it('suggests only a close candidate', () => {
    const keys = ['enabled', 'required', 'tools', 'ignore', 'attach', 'defectdojo'];
    expect(suggest('tool', keys)).toBe('tools');
    expect(suggest('enable', keys)).toBe('enabled');
    expect(suggest('defectDojo', keys)).toBe('defectdojo');
    expect(suggest('colour', keys)).toBeUndefined();
    expect(suggest('x', keys)).toBeUndefined();
  });
});
