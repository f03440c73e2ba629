// The formats layer without Node dependencies; Node helpers live in files-node.ts and atomic-node.ts.
export * from './errors';
export * from './dtypes';
export * from './byte-source';
export * from './tensor-data';
export * from './py-values';
export { unpickle, PyCallable, DEFAULT_PICKLE_LIMITS } from './pickle';
export type { PickleLimits, UnpicklerHooks } from './pickle';
export { PickleWriter } from './pickle-writer';
export * from './torch-pickle';
export * from './safetensors';
export * from './safetensors-index';
export * from './torch-zip';
export * from './torch-zip-writer';
export * from './state-dicts';
export * from './checkpoint';
export * from './npy';
