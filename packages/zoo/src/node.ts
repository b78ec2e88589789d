/**
 * `@robustjs/zoo/node`: the Node-only loaders, which read the model files shipped inside the installed package
 * (SHA-256 checked against the manifest). In a browser, serve `models/` and use `loadZooModelFromUrl` from
 * `@robustjs/zoo`.
 *
 * @packageDocumentation
 */
export { modelsDir } from './modelsDir';
export { loadZooModel } from './loadZooModel';
export type { LoadZooModelOptions } from './loadZooModel';
export { loadReferenceCnn, referenceClassifier, loadFeaturizer } from './referenceModels';
export { loadTorchClassifier } from './torch/loadTorchClassifier';
export type { LoadTorchClassifierOptions } from './torch/loadTorchClassifier';
