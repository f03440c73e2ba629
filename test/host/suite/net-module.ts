// A hand-made module description of examples/net.py's Net, as the engine process will send one: the repr
// PyTorch prints, and the seven methods' outputs, with shapes taken from the example weights.
import type { RawTensor } from '../../../src/formats';
import type { ModuleDescription, ModuleMethodEntry } from '../../../src/protocol/inspector';

const REPR = `Net(
  (features): Sequential(
    (0): Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1))
    (1): BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    (4): Conv2d(6, 9, kernel_size=(3, 3), stride=(1, 1))
    (5): BatchNorm2d(9, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (6): ReLU(inplace=True)
    (7): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (classifier): Sequential(
    (0): Linear(in_features=576, out_features=128, bias=True)
    (1): ReLU(inplace=True)
    (2): Dropout(p=0.5, inplace=False)
    (3): Linear(in_features=128, out_features=10, bias=True)
  )
)`;

/** named_modules() of Net: name and the one-line repr (containers as `Type(...)`). */
const MODULES: [string, string][] = [
  ['', 'Net(...)'], ['features', 'Sequential(...)'],
  ...REPR.split('\n').filter((l) => /^\s{4}\(\d\)/.test(l)).map((l, i): [string, string] => {
    const [, index, repr] = /\((\d)\): (.*)$/.exec(l) as RegExpExecArray;
    return [`${i < 8 ? 'features' : 'classifier'}.${index}`, repr];
  }),
];
MODULES.splice(10, 0, ['classifier', 'Sequential(...)']);

const BUFFER = /running_mean|running_var|num_batches_tracked/;

export function moduleOfNet(stateDict: Map<string, RawTensor>): ModuleDescription {
  const moduleEntry = ([name, repr]: [string, string]): ModuleMethodEntry => ({ name, moduleType: repr.slice(0, repr.indexOf('(')), repr });
  const tensor = (name: string, t: RawTensor, parameter: boolean): ModuleMethodEntry =>
    ({ name, shape: [...t.shape], dtype: t.dtype, ...(parameter ? { requiresGrad: true } : {}) });
  const named = MODULES.map(moduleEntry);
  const children = named.filter((m) => m.name === 'features' || m.name === 'classifier');
  const params = [...stateDict].filter(([k]) => !BUFFER.test(k)).map(([k, t]) => tensor(k, t, true));
  const numel = (entries: [string, RawTensor][]) => entries.reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const parameterCount = numel([...stateDict].filter(([k]) => !BUFFER.test(k)));
  return {
    name: '', type: 'Net', repr: REPR, origin: 'examples/net.py:8 (hand-made description for the host tests)',
    parameters: parameterCount, trainableParameters: parameterCount, ownParameters: 0,
    buffers: numel([...stateDict].filter(([k]) => BUFFER.test(k))),
    methods: {
      modules: { count: named.length, entries: named.map(({ moduleType, repr }) => ({ moduleType, repr })) },
      named_modules: { count: named.length, entries: named },
      children: { count: 2, entries: children.map(({ moduleType, repr }) => ({ moduleType, repr })) },
      named_children: { count: 2, entries: children },
      parameters: { count: params.length, entries: params.map(({ name: _name, ...rest }) => rest) },
      named_parameters: { count: params.length, entries: params },
      state_dict: { count: stateDict.size, entries: [...stateDict].map(([k, t]) => tensor(k, t, false)) },
    },
  };
}
