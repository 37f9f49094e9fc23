#!/usr/bin/env python3
"""make_seeds.py - writes the hand-made seed inputs of tests/fuzz/corpus/<target>/ (committed;
run again only after changing the op encoding in fuzz_*.c). Each seed exists in both value modes
(first byte 0: integers, 1: owned cells). Encoding: see fuzz.h and the targets' switch."""
import os

ALPHA = {ord('a'): 0, ord('b'): 1, ord('c'): 2, ord('d'): 3, 0: 4, 0xFF: 5, ord('/'): 6, ord('x'): 7}


def key(s):
    """A short key (<= 7 bytes) over the alphabet."""
    b = s.encode('latin-1') if isinstance(s, str) else bytes(s)
    assert len(b) <= 7
    return bytes([len(b)]) + bytes(ALPHA[c] for c in b)


def longkey(n):
    """A key of 8 + 2n bytes (chained line nodes): 4 stream bytes 'a'."""
    return bytes([0xC0 | n]) + bytes(4)


def sel_map(a, b, c, top=0):
    for s in range(256):
        if s % 3 == a and (s // 3) % 3 == b and (s // 9) % 3 == c and (s >> 6) == top:
            return s
    raise ValueError


def m_op(op, a=0, b=0, c=0, top=0, k=key(''), *rest):
    return bytes([op, sel_map(a, b, c, top)]) + k + bytes(rest)


SEEDS = {
    'map': {
        # issue 14 case 1: src = {"": 2}; graft src at "a"
        'graft_root_value': m_op(0, 0, 0, 0, 0, key(''), 2) + m_op(7, 1, 0, 0, 0, key('a')) + m_op(15),
        # case 2: join of {"": 8} and {"a": 4}
        'join_element': m_op(0, 0, 0, 0, 0, key(''), 8) + m_op(0, 1, 0, 0, 0, key('a'), 4)
        + m_op(10, 0, 1, 2, 0),
        # case 3: restrict {"aa": 9, "b": 0} by {"b": 2}
        'restrict': m_op(0, 0, 0, 0, 0, key('aa'), 9) + m_op(0, 0, 0, 0, 0, key('b'), 0)
        + m_op(0, 1, 0, 0, 0, key('b'), 2) + m_op(10, 0, 1, 2, 3),
        'meet_subtract': m_op(0, 0, 0, 0, 0, key('ab'), 1) + m_op(0, 0, 0, 0, 0, key('abc'), 2)
        + m_op(9, 0, 1) + m_op(0, 1, 0, 0, 0, key('abd'), 3) + m_op(10, 0, 1, 2, 1)
        + m_op(11, 1, 0, 2, 2) + m_op(13, 0, 2, 0, 0),
        'prefixes': m_op(0, 0, 0, 0, 0, key('abc'), 1) + m_op(0, 0, 0, 0, 0, longkey(20), 5)
        + m_op(5, 0, 1, 0, 0, key('ab')) + m_op(6, 0, 2, 0, 0, key('a')) + m_op(4, 0, 0, 0, 0, key('a'))
        + m_op(3, 0, 0, 0, 0, key('ab')),
        'self_graft_drop_head': m_op(0, 0, 0, 0, 0, key('xa'), 1) + m_op(0, 0, 0, 0, 0, key('xb/'), 2)
        + m_op(7, 0, 0, 0, 0, key('d')) + m_op(14, 0, 0, 1, 1) + m_op(9, 0, 2, 0, 2),
    },
    'zipper': {
        # issue 14 case 4: write zipper on an empty focus joined with a read zipper on {"": 2}
        'wz_join_empty': bytes([17, 0]) + key('') + bytes([2]) + bytes([0, 0]) + key('a')
        + bytes([13, 0]) + key(''),
        'wz_restrict': bytes([5, 0]) + key('') + bytes([1]) + bytes([1, 0]) + key('a') + bytes([5, 0])
        + key('') + bytes([2]) + bytes([4, 0]) + key('') + bytes([17, 0]) + key('a') + bytes([9])
        + bytes([13, 3]) + key(''),
        'wz_graft': bytes([17, 0]) + key('x') + bytes([5]) + bytes([17, 0]) + key('xd') + bytes([6])
        + bytes([9, 0]) + key('x') + bytes([1, 0]) + key('c') + bytes([11, 0]) + key('')
        + bytes([10, 0]) + key('c') + bytes([19, 0]) + key(''),
        'take_drop': bytes([5, 0]) + key('') + bytes([1]) + bytes([1, 0]) + key('ab') + bytes([5, 0])
        + key('') + bytes([2]) + bytes([3, 1]) + key('') + bytes([16, 1]) + key('')
        + bytes([12, 1]) + key('') + bytes([15, 2]) + key(''),
    },
    'zh': {
        # issue 14 case 5: m = {"a": 42}; writer on "a", no change, release
        'release_unchanged': bytes([0, 0]) + key('') + bytes([4, 0]) + key('a') + bytes([7])
        + bytes([3, 0]) + key('') + bytes([0, 1]) + key('a') + bytes([3, 1]) + key('')
        + bytes([13, 0]) + key(''),
        'conflicts': bytes([0, 0]) + key('ab') + bytes([0, 1]) + key('a') + bytes([2, 2]) + key('abc')
        + bytes([2, 3]) + key('b') + bytes([0, 4]) + key('b') + bytes([11, 3]) + key(''),
        'writes': bytes([12, 0]) + key('') + bytes([3]) + bytes([12, 0]) + key('c') + bytes([4])
        + bytes([0, 0]) + key('a') + bytes([4, 0]) + key('b') + bytes([1]) + bytes([7, 0]) + key('x')
        + bytes([8, 8]) + key('') + bytes([9, 0x80]) + key('x') + bytes([10, 0x88]) + key('')
        + bytes([10, 0]) + key('') + bytes([14, 0]) + key('b') + bytes([13, 0]) + key(''),
    },
}

# ---- fuzz_paths / fuzz_load (byte after the mode byte: ctl; see each target's header) ----------
import struct
import zlib


def lp(*paths):
    """Decompressed .paths content: u32 LE length + bytes per path."""
    return b''.join(struct.pack('<I', len(p)) + p for p in paths)


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def records(entries, coded=False):
    """A full-format record body from sorted (key, value) pairs, front-coded (docs/formats.md)."""
    out, prev = bytearray(), b''
    for k, v in entries:
        sh = 0
        while sh < min(len(k), len(prev)) and k[sh] == prev[sh]:
            sh += 1
        out += uvarint(sh) + uvarint(len(k) - sh) + k[sh:]
        out += (uvarint(len(v)) + v) if coded else uvarint(v)
        prev = k
    return bytes(out)


def full_file(body, count, flags=0, version=1):
    head = b'\x89PMAP\r\n\x1a' + struct.pack('<II', version, flags)
    f = head + zlib.compress(body, 1) + struct.pack('<Q', count)
    return f + struct.pack('<I', zlib.crc32(f))


KB = [b'', b'spaces/1/facts/a', b'spaces/1/facts/b', b'spaces/2', b'x' * 300]
KBV = [(k, i * 1000) for i, k in enumerate(KB)]
SEEDS['paths'] = {
    'wrap_kb': bytes([0x01]) + lp(*KB),
    'wrap_prefix_bytes': bytes([0x11]) + lp(b'a', b'', b'\x00\xff', b'a'),
    'wrap_truncated': bytes([0x03]) + lp(b'abc')[:-1],
    'file_kb': bytes([0x0e]) + zlib.compress(lp(*KB), 7),
    'file_chunked': bytes([0x00]) + zlib.compress(lp(b'one', b'two', b'three'), 7),
    'file_bomb': bytes([0x0e]) + zlib.compress(bytes(1 << 21), 9),
}
SEEDS['load'] = {
    'wrap_kb': bytes([0x01]) + records(KBV),
    'wrap_coded': bytes([0x03]) + records([(k, b'v%d' % i) for i, k in enumerate(KB)], True),
    'wrap_unsorted': bytes([0x01]) + records([(b'b', 1), (b'a', 2)]),
    'file_kb': bytes([0x18]) + full_file(records(KBV), len(KBV)),
    'file_coded': bytes([0x06]) + full_file(records([(b'k', b'\x01\x02')], True), 1, flags=1),
    'file_v2': bytes([0x18]) + full_file(records(KBV), len(KBV), version=2),
}

here = os.path.dirname(os.path.abspath(__file__))
for target, seeds in SEEDS.items():
    d = os.path.join(here, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    for name, body in seeds.items():
        for mode, tag in ((0, 'int'), (1, 'owned')):
            with open(os.path.join(d, f'{name}.{tag}'), 'wb') as f:
                f.write(bytes([mode]) + body)
