"""Writes the .npy fixtures of the npy package's tests with numpy.

Run from this directory: /usr/bin/python3 gen_fixtures.py
Values are simple functions of the C-order index i so that the Go tests can
recompute them; see fixtures in ../npy_test.go.
"""
import numpy as np


def c_order(shape, fn, dtype):
    n = int(np.prod(shape)) if shape else 1
    return np.array([fn(i) for i in range(n)], dtype=np.float64).astype(dtype).reshape(shape)


def save(name, a, version=None):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)


save("f4_c.npy", c_order((3, 4), lambda i: i * 0.5 - 2, "<f4"))
save("f4_be.npy", c_order((2, 3), lambda i: i * 1.25 - 1, ">f4"))
save("f8_le.npy", c_order((4, 2), lambda i: i / 3, "<f8"))
save("f8_be.npy", c_order((5,), lambda i: (i - 2) * 0.1, ">f8"))
save("f4_fortran.npy", np.asfortranarray(c_order((3, 4), lambda i: i * 1.5, "<f4")))
save("f8_fortran3d.npy", np.asfortranarray(c_order((2, 3, 4), lambda i: i - 10, ">f8")))
save("i1.npy", np.array([-128, -1, 0, 1, 2, 127], dtype="i1"))
save("i2_be.npy", np.array([[-32768, -1], [1, 32767]], dtype=">i2"))
save("u2.npy", np.array([0, 1, 256, 65535], dtype="<u2"))
save("i4.npy", np.array([-2147483648, -1, 0, 7, 2147483647], dtype="<i4"))
save("u4_be.npy", np.array([0, 1, 4294967295], dtype=">u4"))
save("i8.npy", np.array([-9223372036854775808, -1, 0, 9223372036854775807], dtype="<i8"))
save("u8.npy", np.array([0, 5, 18446744073709551615], dtype="<u8"))
save("b1.npy", np.array([True, False, True, True, False]))
save("f2.npy", np.array([0.0, -2.0, 2.0**-24, 2.0**-14, 65504.0, np.inf], dtype="<f2"))
save("u1_images.npy", c_order((2, 3, 3), lambda i: i * 14, "u1"))
save("u1_rgb.npy", c_order((2, 2, 2, 3), lambda i: i * 10, "u1"))
save("v2.npy", c_order((2, 2), lambda i: i + 0.5, "<f4"), version=(2, 0))
save("v3.npy", c_order((2, 2), lambda i: i - 0.5, "<f4"), version=(3, 0))
save("scalar.npy", np.array(3.25, dtype="<f8"))
save("empty.npy", np.zeros((0, 5), dtype="<f4"))
save("special_f4.npy", np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4028235e38], dtype="<f4"))
save("labels_i8.npy", np.array([3, 1, 4, 1, 5, 9], dtype="<i8"))
save("labels_f8.npy", np.array([0.0, 2.0, 1.0], dtype="<f8"))
save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
save("complex.npy", np.zeros(2, dtype="<c8"))
