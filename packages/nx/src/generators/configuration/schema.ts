/** Options of `nx g @shipshape/nx:configuration` (schema.json says the same for Nx and Nx Console). */
export interface ConfigurationGeneratorOptions {
  project: string;
  image?: string;
  buildTarget?: string;
  skipFormat?: boolean;
}
