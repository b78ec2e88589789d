/**
 * `@robustjs/core/node`: Node-only model IO (a `file://` handler for tfjs models and weight maps,
 * safetensors files on disk, PyTorch state dicts saved as safetensors). Importing it does not
 * register anything; call `registerFileSystemRouter()` to make `model.save('file://…')` and
 * `tf.loadLayersModel('file://…')` work.
 *
 * @packageDocumentation
 */
export { fileSystem, registerFileSystemRouter } from './io/fileSystem';
export { readSafetensorsFile, writeSafetensorsFile } from './io/safetensorsFile';
export { readTorchCheckpoint } from './io/torchCheckpoint';
export { saveWeightMap, loadWeightMap } from './io/weightMap';
