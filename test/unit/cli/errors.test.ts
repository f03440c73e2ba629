// Bad input ends in a clear message on stderr and a documented exit status, never a stack trace of ours.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCli, examples, runCli, skipUnlessImplemented, tmp, type CliRun } from './cli-harness';

const netFile = path.join('examples', 'net.py');

function assertClean(run: CliRun, status: number, message: RegExp): void {
  assert.equal(run.status, status, `status ${run.status}\n${run.stderr}`);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /\n\s+at .*\.(js|ts):\d+/, 'no stack trace of ours');
  assert.equal(run.stdout, '');
}

describe('cli: errors', function () {
  this.timeout(180_000);
  before(buildCli);

  describe('usage (status 2, before any engine starts)', () => {
    const cases: [string, string[], RegExp][] = [
      ['a malformed --shape', ['forward', netFile, '--shape', '2,a,38'], /--shape "2,a,38": "a" is not a size; expected comma-separated non-negative integers such as 1,3,224,224/],
      ['an empty --shape', ['forward', netFile, '--shape', ''], /--shape "": expected comma-separated sizes/],
      ['--kwargs that is not JSON', ['inspect', netFile, '--kwargs', '{num_class: 5}'], /--kwargs is not valid JSON \(.*\); expected an object such as '\{"num_class": 5\}'/],
      ['--kwargs that is not an object', ['inspect', netFile, '--kwargs', '[5]'], /--kwargs must be a JSON object/],
      ['forward without an input', ['forward', netFile], /forward needs an input: --input x\.npy or --shape 1,3,224,224/],
      ['--input and --shape together', ['forward', netFile, '--shape', '1,3', '--input', 'x.npy'], /give either --input or --shape, not both/],
      ['a bad --dtype', ['forward', netFile, '--shape', '1,3', '--dtype', 'float16'], /--dtype "float16": expected one of float32, int64/],
      ['a bad --repeat', ['forward', netFile, '--shape', '1,3', '--repeat', '0'], /--repeat "0": expected an integer from 1 to 100000/],
      ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
      ['an unknown option', ['statedict', 'x.pt', '--frob'], /unknown option '--frob'/],
      ['a missing argument', ['convert', 'only-one.pt'], /missing required argument 'out'/],
      ['prune without --weights', ['prune', netFile, '--method', 'l1_unstructured', '--param', 'features.0.weight', '--amount', '0.3', '--out', 'x.pt'], /prune needs --weights FILE/],
      ['prune with an unknown method', ['prune', netFile, '--method', 'l3', '--param', 'a', '--out', 'x.pt'], /--method "l3": expected one of l1_unstructured, random_unstructured/],
      ['a bad --amount', ['prune', netFile, '--weights', path.join(examples, 'weights', 'net.pt'), '--method', 'l1_unstructured', '--param', 'features.0.weight', '--amount', 'lots', '--out', 'x.pt'], /--amount "lots": expected a fraction such as 0\.3 or a count such as 10/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await runCli(args);
        assertClean(run, 2, message);
        assert.ok(run.ms < 10_000);
      });
    }
  });

  it('--version prints the package version; no command prints the help with status 2', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const bare = await runCli([]);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /Usage: torch-explorer/);
  });

  it('a missing model file: status 3 naming it', async () => {
    assertClean(await runCli(['inspect', 'models/missing.py']), 3, /error: models\/missing\.py: no such model file/);
  });

  it('a missing --weights file: status 3 naming it', async () => {
    assertClean(await runCli(['inspect', netFile, '--weights', 'nope.safetensors']), 3, /nope\.safetensors: no such weights file/);
  });

  it('a syntax error in the model: status 1 with file:line and the message', async function () {
    const run = await runCli(['inspect', path.join('examples', 'syntax_error.py')]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^error: examples\/syntax_error\.py:12:\d+: SyntaxError: /m);
    assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/);
  });

  it("an exception in the model's __init__: status 1, file:line and the traceback's user frames", async function () {
    const model = tmp('broken.py');
    fs.writeFileSync(model, [
      'import torch.nn as nn', '', '', 'def width():', '    return {}["missing"]', '', '',
      'class Broken(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.fc = nn.Linear(width(), 2)', '',
    ].join('\n'));
    const run = await runCli(['inspect', model]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^error: .*broken\.py:5(:\d+)?: KeyError: /m);
    assert.match(run.stderr, /File ".*broken\.py", line 11, in __init__/);
    assert.match(run.stderr, /File ".*broken\.py", line 5, in width/);
  });

  it('--entry that the file does not define: status 2 listing what it has', async function () {
    const run = await runCli(['inspect', netFile, '--entry', 'Nett']);
    skipUnlessImplemented(this, run);
    assertClean(run, 2, /--entry Nett: examples\/net\.py has no nn\.Module class, instance or factory named "Nett"; it has Net \(class\), model \(instance\)/);
  });

  it("--weights that do not fit: status 3 with PyTorch's message", async function () {
    const run = await runCli(['inspect', netFile, '--entry', 'Net', '--kwargs', '{"num_class": 5}', '--weights', path.join(examples, 'weights', 'net.pt')]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /size mismatch for classifier\.3\.weight: copying a param with shape torch\.Size\(\[10, 128\]\) from checkpoint, the shape in current model is torch\.Size\(\[5, 128\]\)/);
  });
});
