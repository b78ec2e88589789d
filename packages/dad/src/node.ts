/**
 * `@robustjs/dad/node`: Node-only file helpers of `@robustjs/dad`: {@link loadDad} reads a DAD folder (detector,
 * denoiser and the manifest's θ, checksums verified).
 *
 * @packageDocumentation
 */
export { loadDad } from './loadDad';
export type { DadManifest, DadManifestFile, LoadDadOptions, LoadedDad } from './loadDad';
