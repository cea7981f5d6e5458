"""Versioned binary golden files read by tests/Training.Tests (GoldenFile.cs).

Layout (little-endian): magic b"AMBGOLD1", uint32 version (1), uint32 tensor count, then per tensor:
uint16 name length, UTF-8 name, uint8 rank, int32 dims[rank], float32 values (row-major).
"""
import struct

import numpy as np

MAGIC = b"AMBGOLD1"
VERSION = 1


def write(path, tensors):
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, len(tensors)))
        for name, value in tensors:
            arr = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
            raw = name.encode("utf-8")
            f.write(struct.pack("<H", len(raw)))
            f.write(raw)
            f.write(struct.pack("<B", arr.ndim))
            f.write(struct.pack(f"<{arr.ndim}i", *arr.shape))
            f.write(arr.astype("<f4").tobytes())
