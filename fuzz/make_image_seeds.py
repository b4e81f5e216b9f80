#!/usr/bin/env python3
"""Writes tiny seed images for fuzz_image into the folder given: PNGs of every colour type and
bit depth load_image converts (grey, RGB, RGBA, 16-bit), a BMP, an uncompressed TIFF, a PNG
header declaring 30000x30000 pixels (refused by the pixel limit) and a PPM (refused as a format
whose size is not checked), without any imaging library (the encoders are a few lines each)."""
import struct
import sys
import zlib
from pathlib import Path


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(width, height, colour_type, depth, channels):
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


def tiff(width, height):
    pixels = bytes((i * 13) & 0xFF for i in range(width * height * 3))
    entries = [(256, 3, 1, width), (257, 3, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 2), (273, 4, 1, 8), (277, 3, 1, 3), (278, 3, 1, height),
               (279, 4, 1, len(pixels))]
    ifd_offset = 8 + len(pixels)
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + pixels + ifd + struct.pack("<I", 0)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "grey.png").write_bytes(png(7, 5, 0, 8, 1))
    (out / "rgb.png").write_bytes(png(9, 4, 2, 8, 3))
    (out / "rgba.png").write_bytes(png(4, 6, 6, 8, 4))
    (out / "rgb16.png").write_bytes(png(3, 3, 2, 16, 3))
    (out / "image.bmp").write_bytes(bmp(5, 3))
    (out / "image.ppm").write_bytes(b"P6\n4 2\n255\n" + bytes(range(24)))
    (out / "image.tif").write_bytes(tiff(3, 2))
    (out / "bomb.png").write_bytes(  # a valid header over one row of data
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(b"\x00" * 90001)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
