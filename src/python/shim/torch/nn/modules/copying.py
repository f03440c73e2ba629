"""copy.deepcopy(module): the engine copies the tree (sharing stays shared, lazy weights stay lazy); every
Python object of the original tree then gets a copy bound to its engine copy."""
import copy

from ... import _core
from ..._core import call_raw

_INTERNAL = ("_te_id", "_te_ref")


def deepcopy_module(module, memo):
    root_marker, pairs = call_raw("mdeepcopy", module.__dict__["_te_id"])
    originals = []
    for original_id, copy_marker in pairs:
        original = _core._strong.get(original_id)
        if original is None:
            continue
        clone = object.__new__(type(original))
        _core.adopt_module(clone, copy_marker["m"][0])
        memo[id(original)] = clone
        originals.append((original, clone))
    # Python attributes are copied after every pair is known, so references between modules map to copies.
    for original, clone in originals:
        for key, value in original.__dict__.items():
            if key not in _INTERNAL:
                clone.__dict__[key] = copy.deepcopy(value, memo)
    return memo.get(id(module)) or _core.decode(root_marker)


