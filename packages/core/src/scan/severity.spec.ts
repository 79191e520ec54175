/** One severity scale for grype's Title case, trivy's UPPERCASE and CycloneDX's lower case. */
import { compareSeverity, describeCounts, maxSeverity, meetsThreshold, normalizeSeverity, SEVERITY_ORDER } from './severity';

describe('severity', () => {
  it('reads every spelling the scanners use, and a missing severity as unknown', () => {
    expect(['Critical', 'CRITICAL', 'critical'].map(normalizeSeverity)).toEqual(['critical', 'critical', 'critical']);
    expect(['Negligible', 'info', 'none'].map(normalizeSeverity)).toEqual(['negligible', 'negligible', 'negligible']);
    expect(['moderate', 'Moderate', 'Important'].map(normalizeSeverity)).toEqual(['medium', 'medium', 'high']);
    expect([undefined, null, '', 'Unknown', 'UNKNOWN', 'severe', 7].map(normalizeSeverity)).toEqual(Array(7).fill('unknown'));
  });

  it('ranks Unknown lowest and Negligible below Low, as grype does', () => {
    expect(SEVERITY_ORDER).toEqual(['unknown', 'negligible', 'low', 'medium', 'high', 'critical']);
    expect(compareSeverity('negligible', 'low')).toBeLessThan(0);
    expect(maxSeverity(['low', 'unknown', 'negligible'])).toBe('low');
    expect(maxSeverity([])).toBe('unknown');
  });

  it('a threshold fails at and above it, never for unknown', () => {
    expect(meetsThreshold('high', 'high')).toBe(true);
    expect(meetsThreshold('critical', 'high')).toBe(true);
    expect(meetsThreshold('medium', 'high')).toBe(false);
    expect(meetsThreshold('negligible', 'low')).toBe(false);
    expect(meetsThreshold('negligible', 'negligible')).toBe(true);
    expect(meetsThreshold('unknown', 'negligible')).toBe(false);
  });

  it('describes counts highest first, leaving out zeros', () => {
    expect(describeCounts({ critical: 1, high: 0, medium: 3, low: 0, negligible: 2, unknown: 0 })).toBe('1 critical, 3 medium, 2 negligible');
    expect(describeCounts({ critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 })).toBe('none');
  });
});
