/**
 * The native catalogers. The orchestrator runs the os-release one first and calls `detectDistro` with
 * its files, so every other cataloger gets `context.distro` (deb, apk and rpm package URLs name it).
 */
import type { Cataloger } from '../types';
import { apkCataloger } from './apk';
import { dpkgCataloger } from './dpkg';
import { goBinaryCataloger } from './go';
import { javaArchiveCataloger } from './java';
import { npmCataloger } from './npm';
import { osReleaseCataloger } from './os-release';
import { pythonCataloger } from './python';
import { rpmCataloger } from './rpm';

export { detectDistro, OS_RELEASE_CATALOGER_NAME, osReleaseCataloger, parseOsRelease } from './os-release';
export { apkCataloger, dpkgCataloger, goBinaryCataloger, javaArchiveCataloger, npmCataloger, pythonCataloger, rpmCataloger };

/** Every native cataloger, os-release first. */
export function defaultCatalogers(): Cataloger[] {
  return [
    osReleaseCataloger,
    dpkgCataloger,
    apkCataloger,
    rpmCataloger,
    npmCataloger,
    pythonCataloger,
    goBinaryCataloger,
    javaArchiveCataloger,
  ];
}
