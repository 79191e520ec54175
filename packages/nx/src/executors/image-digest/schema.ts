/** Options of `@shipshape/nx:image-digest` (schema.json says the same for Nx and Nx Console). */
export interface ImageDigestExecutorOptions {
  image?: string;
  outputPath?: string;
  insecureRegistries?: string[];
}
