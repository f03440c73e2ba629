/** Why a file could not be read or written. Codes follow the safetensors reference where it has one. */
export type FormatErrorCode =
  // safetensors (names of the reference implementation's SafeTensorError variants)
  | 'HeaderTooSmall' | 'HeaderTooLarge' | 'InvalidHeaderLength' | 'InvalidHeader' | 'InvalidHeaderStart'
  | 'InvalidHeaderDeserialization' | 'InvalidOffset' | 'TensorInvalidInfo' | 'ValidationOverflow'
  | 'MisalignedSlice' | 'MetadataIncompleteBuffer' | 'DuplicateKey' | 'UnknownDtype' | 'InvalidMetadata'
  // sharded safetensors
  | 'InvalidIndex' | 'MissingShard' | 'MissingTensor'
  // zip archives and torch.save checkpoints
  | 'InvalidZip' | 'TruncatedFile' | 'UnsupportedCompression' | 'ChecksumMismatch' | 'MissingRecord'
  | 'InvalidRecord' | 'TorchScriptArchive' | 'LegacyFormat' | 'UnknownFormat'
  // pickle
  | 'InvalidPickle' | 'UnsupportedOpcode' | 'ForbiddenGlobal' | 'InvalidTensor' | 'LimitExceeded'
  // .npy, arguments, I/O
  | 'InvalidNpy' | 'UnsupportedDtype' | 'InvalidArgument' | 'AsyncSource' | 'IoError';

export interface ErrorLocation {
  /** file name or path, when known */
  file?: string;
  /** tensor key, record name or pickle memo key the error is about */
  key?: string;
  /** byte offset in the file or in the record being parsed */
  offset?: number;
}

/** The only error type the formats layer throws for bad input. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly file?: string;
  readonly key?: string;
  readonly offset?: number;

  constructor(readonly code: FormatErrorCode, readonly detail: string, where: ErrorLocation = {}) {
    super(where.file ? `${where.file}: ${detail}` : detail);
    this.file = where.file;
    this.key = where.key;
    this.offset = where.offset;
  }

  /** The same error naming `file`, unless it already names one. */
  inFile(file: string | undefined): FormatError {
    if (!file || this.file) return this;
    const located = new FormatError(this.code, this.detail, { file, key: this.key, offset: this.offset });
    located.stack = this.stack;
    return located;
  }
}

/** Rethrows FormatErrors with the file name attached; other errors pass through unchanged. */
export function withFileName<T>(file: string | undefined, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw error instanceof FormatError ? error.inFile(file) : error;
  }
}

export async function withFileNameAsync<T>(file: string | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw error instanceof FormatError ? error.inFile(file) : error;
  }
}

/** Quotes a key for messages the way Python would show it. */
export function quote(key: string): string {
  return JSON.stringify(key);
}
