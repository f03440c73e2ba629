class _Flags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Flags()


def is_built():
    return False


def flash_sdp_enabled():
    return False


def enable_flash_sdp(enabled):
    return None


enable_mem_efficient_sdp = enable_math_sdp = enable_flash_sdp
