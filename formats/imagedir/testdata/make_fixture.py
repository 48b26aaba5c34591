#!/usr/bin/python3
"""Writes the image folder testdata/pets and expected.json, the reference
values the Go tests compare with, computed by Pillow (PIL) and numpy.

pets/
  cat/a.png      RGB PNG, 5×4
  cat/b.jpg      RGB JPEG, 5×4, no chroma subsampling, quality 95
  dog/c.gif      palette GIF, 5×4
  dog/d.png      gray + alpha PNG, 5×4
  e.png          RGBA PNG, 5×4, no label (in the root)
  notes.txt      not an image: skipped
  .hidden/f.png  hidden: skipped
big.png          RGB PNG, 12×9, for the resize references
other/tiny.bmp   RGB BMP, 4×2, pixels 0, 10, ..., 230
other/tiny.webp  the same as a lossless WebP

expected.json holds, per file, Pillow's convert("RGB") and convert("L")
pixels (0-255, row-major) and, for big.png, Pillow's BICUBIC resize
(Catmull-Rom, a = -0.5, widened when shrinking) to 6×5 and 16×12.

Run from this directory: /usr/bin/python3 make_fixture.py
"""
import json
import os

import numpy as np
from PIL import Image

rng = np.random.default_rng(7)
os.makedirs("pets/cat", exist_ok=True)
os.makedirs("pets/dog", exist_ok=True)
os.makedirs("pets/.hidden", exist_ok=True)

w, h = 5, 4
yy, xx = np.mgrid[0:h, 0:w]
smooth = np.stack([xx * 60, yy * 80, 255 - xx * 30 - yy * 20], axis=-1).astype(np.uint8)

Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB").save("pets/cat/a.png")
Image.fromarray(smooth, "RGB").save("pets/cat/b.jpg", quality=95, subsampling=0)
Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB").convert(
    "P", palette=Image.ADAPTIVE, colors=8).save("pets/dog/c.gif")
Image.fromarray(rng.integers(0, 256, (h, w, 2), dtype=np.uint8), "LA").save("pets/dog/d.png")
Image.fromarray(rng.integers(0, 256, (h, w, 4), dtype=np.uint8), "RGBA").save("pets/e.png")
Image.fromarray(np.zeros((h, w), dtype=np.uint8), "L").save("pets/.hidden/f.png")
with open("pets/notes.txt", "w") as f:
    f.write("not an image\n")

bw, bh = 12, 9
yy, xx = np.mgrid[0:bh, 0:bw]
big = np.stack([xx * 20, yy * 28, (xx * yy * 3) % 256], axis=-1).astype(np.uint8)
Image.fromarray(big, "RGB").save("big.png")

os.makedirs("other", exist_ok=True)
tiny = Image.fromarray((np.arange(24).reshape(2, 4, 3) * 10).astype(np.uint8), "RGB")
tiny.save("other/tiny.bmp")
tiny.save("other/tiny.webp", lossless=True)

expected = {}
for rel in ["cat/a.png", "cat/b.jpg", "dog/c.gif", "dog/d.png", "e.png"]:
    im = Image.open(os.path.join("pets", rel))
    expected[rel] = {
        "rgb": np.asarray(im.convert("RGB")).reshape(-1).tolist(),
        "l": np.asarray(im.convert("L")).reshape(-1).tolist(),
    }
im = Image.open("big.png")
for size in [(6, 5), (16, 12)]:
    expected["big.png@%dx%d" % size] = {
        "rgb": np.asarray(im.resize(size, Image.BICUBIC)).reshape(-1).tolist(),
    }
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=0, sort_keys=True)
    f.write("\n")
