import { SHIPSHAPE_VERSION } from './index';
import { VERSION } from '@shipshape/core';

describe('@shipshape/nx', () => {
  it('is built on the same @shipshape/core release', () => {
    expect(SHIPSHAPE_VERSION).toBe(VERSION);
    expect(SHIPSHAPE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
