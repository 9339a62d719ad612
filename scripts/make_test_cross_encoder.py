#!/usr/bin/env python3
"""Writes the tests' cross-encoder: a delta.safetensors holding only a pooler and classifier
head (fixed pseudo-random weights) over the base bi-encoder. Its scores mean nothing, but
they are deterministic and vary with the texts, which is all the cache tests need; no
trained cross-encoder ships (README), so the tests cannot use one.

Usage: make_test_cross_encoder.py <path of delta.safetensors to write>
"""
import json
import struct
import sys
from pathlib import Path

HIDDEN = 384  # all-MiniLM-L6-v2


def values(seed, n, scale):
    """n floats in [-scale, scale) from a 64-bit LCG (Knuth's MMIX constants)."""
    state = seed
    out = []
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(((state >> 11) / 2**53 * 2 - 1) * scale)
    return out


def main():
    # (name, shape, seed, scale): scale keeps the pooler's tanh and the sigmoid away from
    # saturation for MiniLM's [CLS] states.
    tensors = [
        ("bert.pooler.dense.weight", [HIDDEN, HIDDEN], 1, 0.08),
        ("bert.pooler.dense.bias", [HIDDEN], 2, 0.02),
        ("classifier.weight", [1, HIDDEN], 3, 0.15),
        ("classifier.bias", [1], 4, 0.0),
    ]
    header, blobs, offset = {}, [], 0
    for name, shape, seed, scale in tensors:
        count = 1
        for d in shape:
            count *= d
        blob = struct.pack(f"<{count}f", *values(seed, count, scale))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    path = Path(sys.argv[1])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


if __name__ == "__main__":
    main()
