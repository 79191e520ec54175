/** @shipshape/nx: the Nx plugin. Executors and generators are thin adapters over @shipshape/core. */
export { VERSION as SHIPSHAPE_VERSION } from '@shipshape/core';
