#!/usr/bin/env python3
"""Writes tiny seed images for fuzz_image into the folder given: PNGs of every colour type and
bit depth load_image converts (grey, RGB, RGBA, 16-bit), a BMP and a PPM, without any imaging
library (the encoders are a few lines each)."""
import struct
import sys
import zlib
from pathlib import Path


def png(width, height, colour_type, depth, channels):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    step = channels * depth // 8
    rows = b"".join(b"\x00" + bytes((x * 37 + y * 11 + c) & 0xFF for x in range(width)
                                    for c in range(step)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) +
            chunk(b"IEND", b""))


def bmp(width, height):
    row = bytes((x * 29 + c) & 0xFF for x in range(width) for c in range(3))
    row += b"\x00" * ((4 - len(row) % 4) % 4)
    pixels = row * height
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "grey.png").write_bytes(png(7, 5, 0, 8, 1))
    (out / "rgb.png").write_bytes(png(9, 4, 2, 8, 3))
    (out / "rgba.png").write_bytes(png(4, 6, 6, 8, 4))
    (out / "rgb16.png").write_bytes(png(3, 3, 2, 16, 3))
    (out / "image.bmp").write_bytes(bmp(5, 3))
    (out / "image.ppm").write_bytes(b"P6\n4 2\n255\n" + bytes(range(24)))


if __name__ == "__main__":
    main()
