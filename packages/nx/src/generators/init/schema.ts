/** Options of `nx g @shipshape/nx:init` (schema.json says the same for Nx and Nx Console). */
export interface InitGeneratorOptions {
  skipFormat?: boolean;
}
