# Writes the example weight files for ../net.py with deterministic values:
#   net.pt           torch.save(model.state_dict()) (the zip format torch.load reads)
#   net.safetensors  the same state dict as safetensors (written by hand: no safetensors package needed)
# Run from anywhere with a PyTorch install: python3 examples/weights/make_weights.py
# BatchNorm's running statistics come from a few seeded training-mode forward passes, so they are not the
# trivial zeros and ones of a fresh model.
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

SAFETENSORS_CODES = {torch.float32: 'F32', torch.int64: 'I64'}


def build_state_dict():
    from net import Net
    torch.manual_seed(0)
    net = Net()
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(4, 3, 38, 38))  # 38 -> 36 -> 18 -> 16 -> 8: the 9*8*8 inputs of the classifier
    return net.state_dict()


def safetensors_bytes(state_dict):
    header, chunks, offset = {}, [], 0
    for key, tensor in state_dict.items():
        data = tensor.contiguous().numpy().tobytes()
        header[key] = {'dtype': SAFETENSORS_CODES[tensor.dtype], 'shape': list(tensor.shape),
                       'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # the data section starts 8-byte aligned, as the reference writer does
    return struct.pack('<Q', len(text)) + text + b''.join(chunks)


def write_atomically(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    state_dict = build_state_dict()
    tmp = os.path.join(HERE, 'net.pt.tmp')
    torch.save(state_dict, tmp)
    os.replace(tmp, os.path.join(HERE, 'net.pt'))
    write_atomically(os.path.join(HERE, 'net.safetensors'), safetensors_bytes(state_dict))
    for name in ('net.pt', 'net.safetensors'):
        print(name, os.path.getsize(os.path.join(HERE, name)), 'bytes')


if __name__ == '__main__':
    main()
