/**
 * Element types the file formats know, named as torch names them. The float8/sub-byte and unsigned wide
 * types exist only so safetensors files that carry them round-trip as raw bits.
 */
export const DTYPES = [
  'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
  'complex64', 'complex128', 'uint16', 'uint32', 'uint64',
  'float8_e4m3fn', 'float8_e5m2', 'float8_e8m0fnu', 'float8_e4m3fnuz', 'float8_e5m2fnuz',
  'float4_e2m1fn', 'float6_e2m3fn', 'float6_e3m2fn',
] as const;

export type DType = (typeof DTYPES)[number];

export interface DTypeInfo {
  /** bits per element; 4 and 6 exist only in safetensors */
  readonly bits: number;
  /** safetensors dtype code, absent when safetensors cannot hold it */
  readonly safetensors?: string;
  /** torch legacy storage class (`torch.FloatStorage`) used in torch.save pickles */
  readonly storageClass?: string;
  /** bytes reversed together when the byte order changes (a complex number swaps each half) */
  readonly swapUnit: number;
  /** numpy descr without the byte-order character */
  readonly npy?: string;
}

const INFO: Record<DType, DTypeInfo> = {
  float32: { bits: 32, safetensors: 'F32', storageClass: 'FloatStorage', swapUnit: 4, npy: 'f4' },
  float64: { bits: 64, safetensors: 'F64', storageClass: 'DoubleStorage', swapUnit: 8, npy: 'f8' },
  float16: { bits: 16, safetensors: 'F16', storageClass: 'HalfStorage', swapUnit: 2, npy: 'f2' },
  bfloat16: { bits: 16, safetensors: 'BF16', storageClass: 'BFloat16Storage', swapUnit: 2 },
  int64: { bits: 64, safetensors: 'I64', storageClass: 'LongStorage', swapUnit: 8, npy: 'i8' },
  int32: { bits: 32, safetensors: 'I32', storageClass: 'IntStorage', swapUnit: 4, npy: 'i4' },
  int16: { bits: 16, safetensors: 'I16', storageClass: 'ShortStorage', swapUnit: 2, npy: 'i2' },
  int8: { bits: 8, safetensors: 'I8', storageClass: 'CharStorage', swapUnit: 1, npy: 'i1' },
  uint8: { bits: 8, safetensors: 'U8', storageClass: 'ByteStorage', swapUnit: 1, npy: 'u1' },
  bool: { bits: 8, safetensors: 'BOOL', storageClass: 'BoolStorage', swapUnit: 1, npy: 'b1' },
  complex64: { bits: 64, safetensors: 'C64', storageClass: 'ComplexFloatStorage', swapUnit: 4, npy: 'c8' },
  complex128: { bits: 128, storageClass: 'ComplexDoubleStorage', swapUnit: 8, npy: 'c16' },
  uint16: { bits: 16, safetensors: 'U16', swapUnit: 2, npy: 'u2' },
  uint32: { bits: 32, safetensors: 'U32', swapUnit: 4, npy: 'u4' },
  uint64: { bits: 64, safetensors: 'U64', swapUnit: 8, npy: 'u8' },
  float8_e4m3fn: { bits: 8, safetensors: 'F8_E4M3', swapUnit: 1 },
  float8_e5m2: { bits: 8, safetensors: 'F8_E5M2', swapUnit: 1 },
  float8_e8m0fnu: { bits: 8, safetensors: 'F8_E8M0', swapUnit: 1 },
  float8_e4m3fnuz: { bits: 8, safetensors: 'F8_E4M3FNUZ', swapUnit: 1 },
  float8_e5m2fnuz: { bits: 8, safetensors: 'F8_E5M2FNUZ', swapUnit: 1 },
  float4_e2m1fn: { bits: 4, safetensors: 'F4', swapUnit: 1 },
  float6_e2m3fn: { bits: 6, safetensors: 'F6_E2M3', swapUnit: 1 },
  float6_e3m2fn: { bits: 6, safetensors: 'F6_E3M2', swapUnit: 1 },
};

export function isDType(name: unknown): name is DType {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(INFO, name);
}

export function dtypeInfo(dtype: DType): DTypeInfo {
  return INFO[dtype];
}

/** Bytes per element; throws for the sub-byte safetensors types, which have no whole-byte element. */
export function itemSize(dtype: DType): number {
  const bits = INFO[dtype].bits;
  if (bits % 8 !== 0) throw new RangeError(`${dtype} has ${bits}-bit elements`);
  return bits / 8;
}

/**
 * safetensors codes in the reference's `Dtype` declaration order, which is ascending alignment; its
 * writer sorts tensors by this order descending.
 */
export const SAFETENSORS_ORDER = [
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
  'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
] as const;

const BY_SAFETENSORS = new Map<string, DType>(
  DTYPES.filter((d) => INFO[d].safetensors).map((d) => [INFO[d].safetensors as string, d]),
);

export function dtypeFromSafetensors(code: string): DType | undefined {
  return BY_SAFETENSORS.get(code);
}

const BY_STORAGE = new Map<string, DType>(
  DTYPES.filter((d) => INFO[d].storageClass).map((d) => [INFO[d].storageClass as string, d]),
);

/** `FloatStorage` -> float32; `UntypedStorage` holds bytes. */
export function dtypeFromStorageClass(name: string): DType | undefined {
  return name === 'UntypedStorage' ? 'uint8' : BY_STORAGE.get(name);
}

/** torch attribute names that denote a dtype (`torch.float32`, `torch.float`, ...). */
const TORCH_ALIASES: Record<string, DType> = {
  float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32', short: 'int16',
  cfloat: 'complex64', cdouble: 'complex128',
};

export function dtypeFromTorchName(name: string): DType | undefined {
  if (TORCH_ALIASES[name]) return TORCH_ALIASES[name];
  return isDType(name) && INFO[name].bits % 8 === 0 ? name : undefined;
}
