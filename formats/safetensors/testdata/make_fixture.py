#!/usr/bin/python3
"""Writes numpy.safetensors and dataset.safetensors, reference files for the
Go reader's tests.

It uses only json, struct and numpy, following the published format: an
8-byte little-endian header length, a JSON header padded with spaces to a
multiple of 8 bytes, then the tensors' little-endian, row-major bytes. The
header lists the tensors in a different order than their data, and uses
Python's default JSON separators (with spaces), to exercise the reader.

Run from this directory: /usr/bin/python3 make_fixture.py
"""
import json
import struct

import numpy as np


def bf16(values):
    # bfloat16 is the upper half of a float32; the values are chosen to be
    # exact in bfloat16, so truncation loses nothing.
    bits = np.array(values, dtype="<f4").view("<u4")
    return (bits >> 16).astype("<u2")


tensors = [  # (name, dtype, array) in data order
    ("f64", "F64", np.linspace(-1.0, 1.0, 5).astype("<f8")),
    ("i64", "I64", np.array([-5, 0, 7, 2**40], dtype="<i8")),
    ("f32", "F32", (np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1.0).astype("<f4")),
    ("scalar", "F32", np.array(3.25, dtype="<f4")),
    ("empty", "F32", np.zeros((0, 4), dtype="<f4")),
    ("i32", "I32", np.array([-1, 2, 3], dtype="<i4")),
    ("f16", "F16", np.array([0.0, 1.0, -2.0, 0.5, 65504.0, 2.0**-24, np.inf], dtype="<f2")),
    ("bf16", "BF16", bf16([1.0, -3.5, 0.15625, 2.0**100])),
    ("u8", "U8", np.array([[0, 128, 255]], dtype="u1")),
]

header = {}
data = b""
for name, dtype, arr in tensors:
    raw = arr.tobytes(order="C")
    header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
# List the header entries in reverse, metadata last.
header = dict(reversed(list(header.items())))
header["__metadata__"] = {"framework": "numpy", "made_by": "make_fixture.py"}



def write(path, header, data):
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


write("numpy.safetensors", header, data)

# The dataset convention: rows in "x", int64 "labels" (-1: none), class
# names as a JSON string in the metadata.
x = (np.arange(12, dtype="<f4").reshape(4, 3) / 8).astype("<f4")
labels = np.array([0, 1, -1, 1], dtype="<i8")
write(
    "dataset.safetensors",
    {
        "__metadata__": {"classes": json.dumps(["cat", "dog"])},
        "x": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]},
        "labels": {"dtype": "I64", "shape": [4], "data_offsets": [48, 80]},
    },
    x.tobytes() + labels.tobytes(),
)
