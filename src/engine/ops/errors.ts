// Python exception classes the engine raises besides RuntimeError (a plain Error). `name` is the
// Python class name, so the shim and the golden tests can map an error to its Python type.
export { IndexError } from '../shape';

export class ValueError extends Error {
  override name = 'ValueError';
}
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}
