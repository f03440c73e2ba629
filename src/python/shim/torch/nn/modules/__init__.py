"""torch.nn.modules: the module classes, importable from the submodules PyTorch code names."""
from . import layers as _layers
from .layers import LAYERS, EngineModule
from .module import Module

globals().update(LAYERS)
for _base in ("RNNBase", "_ConvNd", "_ConvTransposeNd", "_NormBase", "_BatchNorm", "_InstanceNorm", "_DropoutNd",
              "_MaxPoolNd", "_AvgPoolNd", "_AdaptiveAvgPoolNd", "_AdaptiveMaxPoolNd"):
    globals()[_base] = getattr(_layers, _base)

__all__ = ["Module", "EngineModule", *LAYERS]
