#!/usr/bin/python3
"""Checkpoint fixtures for the src/formats tests, made with real PyTorch (Debian's python3-torch 1.13).

  /usr/bin/python3 scripts/goldens/checkpoints.py             rewrite test/fixtures/checkpoints/
  /usr/bin/python3 scripts/goldens/checkpoints.py verify F..   torch.load(F, weights_only=True) each file
                                                              and print its description as JSON
  /usr/bin/python3 scripts/goldens/checkpoints.py verify-safetensors F..   the same for .safetensors files,
                                                              read by the spec in plain Python

Every file is described in expected.json (keys, dtypes, shapes, strides, storage sharing, raw bytes as
base64 or, above 4 KiB, a sha256) so the TypeScript tests compare exact values. Output is deterministic.

1.13 versus 2.x: 1.13 writes no `byteorder` and no `.data/serialization_id` record (2.x does), and its
weights_only unpickler lacks BINFLOAT and most dtype globals, so `verify` only loads what 1.13 can.
"""
import base64
import collections
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'checkpoints')
INLINE_LIMIT = 4096
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class Net(nn.Module):
    """The network of the source document."""

    def __init__(self, num_class=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels=3, out_channels=6, kernel_size=3),
            nn.BatchNorm2d(6),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(in_channels=6, out_channels=9, kernel_size=3),
            nn.BatchNorm2d(9),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(9 * 8 * 8, 128),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(128, num_class),
        )

    def forward(self, x):
        output = self.features(x)
        output = output.view(output.size()[0], -1)
        return self.classifier(output)


def tensor_bytes(t):
    flat = t.detach().contiguous().reshape(-1)
    return bytes(flat.view(torch.uint8).numpy()) if flat.numel() else b''


def describe(obj, storages):
    """A JSON description of a loaded object; storages maps data_ptr -> first-seen index."""
    if isinstance(obj, torch.Tensor):
        raw = tensor_bytes(obj)
        ptr = obj.storage().data_ptr()
        storage_id = storages.setdefault(ptr, len(storages))
        entry = {
            'dtype': str(obj.dtype).replace('torch.', ''),
            'shape': list(obj.shape),
            'stride': list(obj.stride()),
            'storage_offset': obj.storage_offset(),
            'storage_id': storage_id,
            'requires_grad': obj.requires_grad,
            'parameter': isinstance(obj, nn.Parameter),
            'nbytes': len(raw),
            'sha256': hashlib.sha256(raw).hexdigest(),
        }
        if len(raw) <= INLINE_LIMIT:
            entry['data'] = base64.b64encode(raw).decode('ascii')
        return {'tensor': entry}
    if isinstance(obj, dict):
        out = {'dict': [[describe(k, storages), describe(v, storages)] for k, v in obj.items()],
               'ordered': isinstance(obj, collections.OrderedDict)}
        if hasattr(obj, '_metadata'):
            out['attributes'] = {'_metadata': describe(obj._metadata, storages)}
        return out
    if isinstance(obj, list):
        return {'list': [describe(v, storages) for v in obj]}
    if isinstance(obj, tuple):
        return {'tuple': [describe(v, storages) for v in obj]}
    if isinstance(obj, (bytes, bytearray)):
        return {'bytes': base64.b64encode(bytes(obj)).decode('ascii')}
    if isinstance(obj, (set, frozenset)):
        return {'set': sorted((describe(v, storages) for v in obj), key=json.dumps)}
    if isinstance(obj, int) and not isinstance(obj, bool) and abs(obj) > 2 ** 53:
        return {'int': str(obj)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f'cannot describe {type(obj)}')


def write_zip(path, root, records, compression=zipfile.ZIP_STORED):
    """A torch-style archive written by Python's zipfile (no 64-byte alignment, real timestamps zeroed)."""
    with zipfile.ZipFile(path, 'w') as zf:
        for name, data in records:
            info = zipfile.ZipInfo(f'{root}/{name}', date_time=ZIP_EPOCH)
            info.compress_type = compression
            zf.writestr(info, data)


def records_of(buffer):
    with zipfile.ZipFile(io.BytesIO(buffer)) as zf:
        return [(n.split('/', 1)[1], zf.read(n)) for n in zf.namelist()]


def small_model():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def views_state_dict():
    base = torch.arange(12, dtype=torch.float32)
    longs = torch.arange(10, dtype=torch.int64) * 1000000007
    return collections.OrderedDict([
        ('base', base),
        ('slice', base[2:8].view(2, 3)),
        ('transposed', base.view(3, 4).t()),
        ('scalar_view', base[5]),
        ('every_third', base[::3]),
        ('expanded', torch.arange(3, dtype=torch.float32).expand(4, 3)),
        ('longs_tail', longs[7:]),
        ('longs', longs),
    ])


def dtypes_state_dict():
    torch.manual_seed(2)
    specials = torch.tensor([0.0, -0.0, float('inf'), float('-inf'), float('nan'), 1e-40, 3.5, -2.25])
    sd = collections.OrderedDict()
    for name in ['float32', 'float64', 'float16', 'bfloat16']:
        sd[name] = specials.to(getattr(torch, name))
    sd['int64'] = torch.tensor([-(2 ** 62), -1, 0, 1, 2 ** 53 + 1, 2 ** 62], dtype=torch.int64)
    sd['int32'] = torch.tensor([-(2 ** 31), -1, 0, 2 ** 31 - 1], dtype=torch.int32)
    sd['int16'] = torch.tensor([-32768, -1, 0, 32767], dtype=torch.int16)
    sd['int8'] = torch.tensor([-128, -1, 0, 127], dtype=torch.int8)
    sd['uint8'] = torch.tensor([0, 1, 128, 255], dtype=torch.uint8)
    sd['bool'] = torch.tensor([True, False, True])
    sd['complex64'] = torch.tensor([1 + 2j, -3.5 - 0.5j], dtype=torch.complex64)
    sd['scalar'] = torch.tensor(7, dtype=torch.int64)
    sd['empty'] = torch.zeros(0, 3)
    sd['matrix'] = torch.randn(3, 5, dtype=torch.float64)
    return sd


# safetensors by hand: the reference writer's order (descending dtype alignment, then name) and padding.
ST_RANK = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
           'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64']
ST_CODE = {'float32': 'F32', 'float64': 'F64', 'float16': 'F16', 'bfloat16': 'BF16', 'int64': 'I64',
           'int32': 'I32', 'int16': 'I16', 'int8': 'I8', 'uint8': 'U8', 'bool': 'BOOL', 'complex64': 'C64'}


def safetensors_bytes(entries, metadata):
    """entries: [(name, st_dtype, shape, raw_bytes)]"""
    ordered = sorted(entries, key=lambda e: (-ST_RANK.index(e[1]), e[0].encode('utf-8')))
    header, offset = {}, 0
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, code, shape, raw in ordered:
        header[name] = {'dtype': code, 'shape': shape, 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(e[3] for e in ordered)


def safetensors_entries():
    torch.manual_seed(3)
    entries = []
    for name, t in [('w.f32', torch.randn(2, 3)), ('w.f64', torch.randn(3, dtype=torch.float64)),
                    ('w.f16', torch.randn(2, 2).half()), ('w.bf16', torch.randn(5).bfloat16()),
                    ('n.i64', torch.tensor([-5, 2 ** 40], dtype=torch.int64)),
                    ('n.i32', torch.tensor([[1, -2], [3, -4]], dtype=torch.int32)),
                    ('n.i16', torch.tensor([-300], dtype=torch.int16)), ('n.i8', torch.tensor([-7], dtype=torch.int8)),
                    ('n.u8', torch.tensor([200, 3], dtype=torch.uint8)), ('mask', torch.tensor([True, False])),
                    ('scalar', torch.tensor(2.5)), ('empty', torch.zeros(0, 4))]:
        entries.append((name, ST_CODE[str(t.dtype).replace('torch.', '')], list(t.shape), tensor_bytes(t)))
    # dtypes torch 1.13 lacks: raw bytes written by hand
    entries.append(('f8.e4m3', 'F8_E4M3', [4], bytes([0x00, 0x38, 0x7e, 0xff])))
    entries.append(('f8.e5m2', 'F8_E5M2', [2, 2], bytes([0x3c, 0xbc, 0x7b, 0x01])))
    entries.append(('u16', 'U16', [2], struct.pack('<2H', 1, 65535)))
    entries.append(('u32', 'U32', [1], struct.pack('<I', 4000000000)))
    entries.append(('u64', 'U64', [1], struct.pack('<Q', 2 ** 64 - 1)))
    return entries


def describe_safetensors(entries, metadata):
    return {'safetensors': {'metadata': metadata, 'tensors': [
        {'key': n, 'dtype': c, 'shape': s, 'data': base64.b64encode(r).decode('ascii')} for n, c, s, r in entries]}}


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    def save(name, obj, **kwargs):
        path = os.path.join(OUT, name)
        torch.save(obj, path, **kwargs)
        expected[name] = describe(obj, {})

    torch.manual_seed(0)
    save('net.pt', Net().state_dict())
    save('views.pt', views_state_dict())
    save('dtypes.pt', dtypes_state_dict())
    torch.manual_seed(4)
    save('parameter.pt', nn.Parameter(torch.randn(2, 3)))

    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    save('checkpoint.pt', {'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'epoch': 3})
    save('state_dict_key.pth', {'state_dict': small_model().state_dict(), 'best_acc': 0.875, 'arch': 'mlp'})
    save('dataparallel.pt', nn.DataParallel(small_model()).state_dict())
    save('nested.pt', {'encoder': {'layer': {'weight': torch.ones(2, 2)}, 'bias': torch.zeros(2)},
                       'decoder': {'weight': torch.full((1, 2), 2.0)}})

    small_sd = small_model().state_dict()
    buffer = io.BytesIO()
    torch.save(small_sd, buffer)
    with open(os.path.join(OUT, 'saved_from_buffer.pt'), 'wb') as f:
        f.write(buffer.getvalue())  # root folder is archive/
    expected['saved_from_buffer.pt'] = describe(small_sd, {})

    write_zip(os.path.join(OUT, 'deflated.pt'), 'deflated', records_of(buffer.getvalue()), zipfile.ZIP_DEFLATED)
    expected['deflated.pt'] = describe(small_sd, {})

    # The legacy format names storages by object address, so only its deterministic start is kept:
    # the magic number, protocol version and sys_info pickles, which is all a reader needs to recognise it.
    buffer = io.BytesIO()
    torch.save(small_sd, buffer, _use_new_zipfile_serialization=False)
    buffer.seek(0)
    for _ in range(3):
        pickle.Unpickler(buffer).load()
    with open(os.path.join(OUT, 'legacy.pt'), 'wb') as f:
        f.write(buffer.getvalue()[:buffer.tell()])

    mixed = collections.OrderedDict([('f32', torch.tensor([1.5, -2.0])), ('i64', torch.tensor([1, -(2 ** 40)])),
                                     ('f16', torch.tensor([0.5, 65504.0]).half()), ('flags', torch.tensor([True, False]))])
    buffer = io.BytesIO()
    torch.save(mixed, buffer)
    swapped = []
    for name, data in records_of(buffer.getvalue()):
        if name.startswith('data/'):
            tensor = list(mixed.values())[int(name[5:])]
            data = tensor.numpy().byteswap().tobytes()
        swapped.append((name, data))
    swapped.insert(1, ('byteorder', b'big'))
    write_zip(os.path.join(OUT, 'big_endian.pt'), 'big_endian', swapped)
    expected['big_endian.pt'] = describe(mixed, {})

    class Evil:
        def __reduce__(self):
            return (os.system, ('echo this must never run',))
    evil = pickle.dumps(collections.OrderedDict([('weight', Evil())]), protocol=2)
    with open(os.path.join(OUT, 'forbidden_global.pkl'), 'wb') as f:
        f.write(evil)
    write_zip(os.path.join(OUT, 'forbidden_global.pt'), 'forbidden_global', [('data.pkl', evil), ('version', b'3\n')])

    scripted = torch.jit.script(small_model())
    scripted.save(os.path.join(OUT, 'torchscript.pt'))

    entries = safetensors_entries()
    metadata = {'format': 'pt', 'note': 'h\u00e9llo \u2603'}
    with open(os.path.join(OUT, 'handmade.safetensors'), 'wb') as f:
        f.write(safetensors_bytes(entries, metadata))
    expected['handmade.safetensors'] = describe_safetensors(entries, metadata)

    shard_dir = os.path.join(OUT, 'sharded')
    os.makedirs(shard_dir, exist_ok=True)
    weight_map = {}
    for index, shard in enumerate([entries[:5], entries[5:9]]):
        shard_name = f'model-{index + 1:05d}-of-00002.safetensors'
        with open(os.path.join(shard_dir, shard_name), 'wb') as f:
            f.write(safetensors_bytes(shard, {'format': 'pt'}))
        weight_map.update({e[0]: shard_name for e in shard})
    with open(os.path.join(shard_dir, 'model.safetensors.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': sum(len(e[3]) for e in entries[:9])}, 'weight_map': weight_map}, f, indent=2)
    expected['sharded/model.safetensors.index.json'] = describe_safetensors(entries[:9], None)

    # Plain-data pickles in the protocols Python writes, for the unpickler's opcode coverage.
    plain = {'ints': [0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2 ** 63, -(2 ** 100)],
             'floats': [0.5, -1e300, 1e-310], 'text': 'h\u00e9llo \u2603 \U0001f600', 'bytes': bytes(range(256)),
             'tuple': (1, (2, 3), (4, 5, 6), (7, 8, 9, 10), ()), 'nested': {'a': [[], {}], 'b': None, 'c': True},
             'set': {1, 2, 3}, 'shared': None, 'long_list': list(range(2500))}
    shared = [1, 2]
    plain['shared'] = [shared, shared]
    for protocol in (2, 3, 4, 5):
        name = f'plain_protocol{protocol}.pkl'
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(pickle.dumps(plain, protocol=protocol))
        expected[name] = describe(plain, {})

    write_npy_fixtures(expected)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, files in os.walk(OUT) for n in files)
    print(f'wrote {len(expected)} described fixtures, {total} bytes in total, torch {torch.__version__}')


def write_npy_fixtures(expected):
    import numpy as np
    os.makedirs(os.path.join(OUT, 'npy'), exist_ok=True)
    arrays = {
        'float32_2x3.npy': np.arange(6, dtype='<f4').reshape(2, 3) / 4,
        'float64_fortran.npy': np.asfortranarray(np.arange(6, dtype='<f8').reshape(2, 3) - 2.5),
        'int64_bigendian.npy': np.array([[-1, 2 ** 40], [3, 4]], dtype='>i8'),
        'bool_scalar.npy': np.array(True),
        'uint8_empty.npy': np.zeros((0, 2), dtype='u1'),
    }
    for name, array in arrays.items():
        np.save(os.path.join(OUT, 'npy', name), array)
        contiguous = np.ascontiguousarray(array).astype(array.dtype.newbyteorder('<'))
        expected[f'npy/{name}'] = {'npy': {'dtype': str(array.dtype.name), 'shape': list(array.shape),
                                           'data': base64.b64encode(contiguous.tobytes()).decode('ascii')}}


def verify_safetensors(paths):
    """An independent reading of safetensors files (the spec, in Python) for files the TypeScript writer made."""
    out = {}
    for path in paths:
        data = open(path, 'rb').read()
        n = struct.unpack('<Q', data[:8])[0]
        header = json.loads(data[8:8 + n])
        metadata = header.pop('__metadata__', None)
        end = 0
        tensors = []
        for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
            begin, stop = info['data_offsets']
            assert begin == end, f'{name}: gap or overlap'
            end = stop
            tensors.append({'key': name, 'dtype': info['dtype'], 'shape': info['shape'],
                            'data': base64.b64encode(data[8 + n + begin:8 + n + stop]).decode('ascii')})
        assert 8 + n + end == len(data), 'file length'
        assert n % 8 == 0, 'header padding'
        out[os.path.basename(path)] = {'safetensors': {'metadata': metadata, 'tensors': tensors}}
    print(json.dumps({'files': out}, indent=1, sort_keys=True))


def verify(paths):
    out = {}
    for path in paths:
        try:
            out[os.path.basename(path)] = describe(torch.load(path, weights_only=True), {})
        except Exception as error:  # reported, not raised: the caller compares
            out[os.path.basename(path)] = {'error': f'{type(error).__name__}: {error}'}
    print(json.dumps({'torch': torch.__version__, 'files': out}, indent=1, sort_keys=True))


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'verify':
        verify(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == 'verify-safetensors':
        verify_safetensors(sys.argv[2:])
    else:
        main()
