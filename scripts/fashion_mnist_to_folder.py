#!/usr/bin/env python3
"""Turns Debian's Fashion-MNIST (package dataset-fashion-mnist) into ImageFolder trees for
`fovea finetune`: OUT/train/<class>/NNNNN.png and OUT/test/<class>/NNNNN.png, 28x28 grey PNGs.

The first --train-per-class images of each class in the training file's order form the
training set; the first --test images of the test file form the held-out set. Standard
library only (gzip, zlib, struct), so it runs without numpy or pillow.

  scripts/fashion_mnist_to_folder.py OUT [--train-per-class 100] [--test 1000]
"""
import argparse
import gzip
import os
import struct
import sys
import zlib

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle_boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:  # images
        rows, cols = struct.unpack(">II", data[8:16])
        size = rows * cols
        return [data[16 + i * size:16 + (i + 1) * size] for i in range(count)], (rows, cols)
    if magic == 2049:  # labels
        return list(data[8:8 + count]), None
    sys.exit(f"{path}: not an IDX image or label file (magic {magic})")


def png_grey(pixels, rows, cols):
    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    raw = b"".join(b"\x00" + pixels[r * cols:(r + 1) * cols] for r in range(rows))
    header = struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def write_set(out_dir, images, labels, shape, picks):
    for c in CLASSES:
        os.makedirs(os.path.join(out_dir, c), exist_ok=True)
    for i in picks:
        path = os.path.join(out_dir, CLASSES[labels[i]], f"{i:05d}.png")
        with open(path + ".tmp", "wb") as f:
            f.write(png_grey(images[i], *shape))
        os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--train-per-class", type=int, default=100)
    parser.add_argument("--test", type=int, default=1000, help="first N test-set images")
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"{args.data}: not found; install Debian's dataset-fashion-mnist")

    images, shape = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    labels, _ = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    taken = [0] * len(CLASSES)
    picks = []
    for i, y in enumerate(labels):
        if taken[y] < args.train_per_class:
            taken[y] += 1
            picks.append(i)
    write_set(os.path.join(args.out, "train"), images, labels, shape, picks)

    images, shape = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    labels, _ = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    write_set(os.path.join(args.out, "test"), images, labels, shape, range(min(args.test, len(labels))))
    print(f"{args.out}: train {len(picks)} images, test {min(args.test, len(labels))} images, "
          f"{len(CLASSES)} classes")


if __name__ == "__main__":
    main()
