#!/usr/bin/python3
"""Golden generator: PyTorch results every engine test is checked against.

Run:  /usr/bin/python3 scripts/goldens/generate.py      (or `npm run goldens`)
Writes test/fixtures/ops/*.json, test/fixtures/print/tensors.json, test/fixtures/models/<name>/*.json.
Deterministic: fixed seeds, one intra-op thread, stable JSON layout; two runs give identical bytes.
Formats are described in test/fixtures/README.md.

=====================================================================================================
1.13 vs 2.x differences and what we did
-----------------------------------------------------------------------------------------------------
The machine has Debian's python3-torch 1.13; the product follows PyTorch 2.x. Where they differ:

1. nn.ModuleList.__repr__: 2.x (PR #90452, first in 2.0) folds runs of consecutive children with equal
   repr strings into `(s-e): n x <repr>`; lone children stay `(i): <repr>`; empty -> `ModuleList()`.
   1.13 prints every child. -> goldlib._modulelist_repr_2x replaces ModuleList.__repr__ (written from
   that description; checked on [Linear(2,2)]*3 + [ReLU()] at start-up, see goldlib.check_patches).
   Sequential and ModuleDict never fold, in either version.
2. F.scaled_dot_product_attention does not exist in 1.13. -> goldlib.sdpa_reference implements the
   2.x docs' reference math (softmax(Q K^T * scale + bias) V; bool mask True = attend; float mask added;
   is_causal = upper-left aligned tril; scale defaults to 1/sqrt(E)) in float64, cast back to the
   input dtype. attention.json cases carry a "note" saying so. It is also installed as
   F.scaled_dot_product_attention so the gpt_small model file can be written as 2.x code.
3. nn.Upsample.extra_repr: current 2.x uses repr() for size/scale_factor and mode
   (`Upsample(scale_factor=2.0, mode='bilinear')`); 1.13 prints `mode=bilinear` unquoted. -> patched.
4. nn.Softplus defaults: current 2.x declares beta=1.0, threshold=20.0 (floats), so `Softplus()` prints
   `Softplus(beta=1.0, threshold=20.0)`; 1.13 (and 2.0) had ints and print `beta=1, threshold=20`.
   -> the 1.13 __init__ defaults are replaced by (1.0, 20.0). Explicit ints (`Softplus(beta=2)`)
   still print as given in both versions.
5. Module.named_parameters(remove_duplicate=False) is 2.x only. -> goldlib.named_parameters_2x
   reproduces 2.x's _named_members walk for meta.json "named_parameters_all".
6. TransformerEncoderLayer / MultiheadAttention: 1.13 may take fused fast paths
   (torch._transformer_encoder_layer_fwd, _native_multi_head_attention) in eval without autograd.
   -> eval outputs are computed with autograd enabled (the plain math path, as 2.x's slow path) and the
   generator asserts the no-grad path agrees within rtol 1e-4 / atol 1e-5.
7. storage identity: 2.x would use untyped_storage().data_ptr(); 1.13 uses storage().data_ptr().
   Same answer for the views.json "shares_storage" field.
8. Unchanged, checked against 2.x sources: tensor printing (torch/_tensor_str.py formatter, summary,
   suffix rules), ParameterList/ParameterDict extra_repr, Conv/Pool/Norm extra_repr, BatchNorm
   _version = 2 (all others 1) in state_dict metadata, load_state_dict error wording.
   Error messages in ops/*.json are 1.13's str(e); the ones kept are believed identical in 2.x
   (TORCH_CHECK texts unchanged); cases where 1.13 raises from Python code that 2.x moved to C++
   (e.g. F.pad argument checks) are left out.
=====================================================================================================
"""
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import goldlib  # noqa: E402
import model_fixtures  # noqa: E402
import ops_math  # noqa: E402
import ops_nn  # noqa: E402
import ops_nn2  # noqa: E402
import ops_shape  # noqa: E402
import print_cases  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures")

OP_FAMILIES = [
    ops_math.elementwise, ops_math.reduce, ops_math.factories,
    ops_shape.shape_view, ops_shape.views, ops_shape.indexing,
    ops_nn.matmul, ops_nn.conv, ops_nn.pool, ops_nn.norm,
    ops_nn2.activation, ops_nn2.loss, ops_nn2.attention, ops_nn2.misc,
]

MODELS = ["net", "resnet_small", "gpt_small", "unet_small", "transformer_encoder", "transformer_decoder",
          "mha", "lstm_classifier", "gru_classifier", "misc_containers"]


def main():
    warnings.simplefilter("ignore")  # deprecation chatter from 1.13 is not part of any golden
    goldlib.apply_2x_patches()
    goldlib.check_patches()
    counts = {}
    for build in OP_FAMILIES:
        fam = build()
        goldlib.write_json(os.path.join(FIXTURES, "ops", fam.name + ".json"), fam.payload(), "cases")
        counts[fam.name] = len(fam.cases)
    goldlib.write_json(os.path.join(FIXTURES, "print", "tensors.json"),
                       {"torch_version": torch.__version__, "cases": print_cases.build()}, "cases")
    for name in MODELS:
        m = model_fixtures.write_model(name, os.path.join(FIXTURES, "models"))
        counts["model:" + name] = m["total_params"]
    for k, v in counts.items():
        print(f"{k}: {v}")
    print(f"op cases total: {sum(v for k, v in counts.items() if not k.startswith('model:'))}")


if __name__ == "__main__":
    main()
