#!/usr/bin/env python3
"""Prints CPython 3.11's answers for the hand-written framing cases of
tst_Terminator.cpp (framing / framing_data) and the three-way R16 case of
tst_AsyncChat.cpp, in oracle.summarize() form, for read sizes 1, 10 and
whole. The C++ tables embed these strings; rerun this to re-verify them.
"""
import oracle
from oracle import HUGE, tdesc

CASES = [
    # name, stream, initial terminator, schedule
    ("lf", b"hello world\nI'm not dead yet!\n", b"\n", []),
    ("crlf-split", b"abc\r\ndef\r\n\r\nxyz", b"\r\n", []),
    ("qqq-held", b"aqqbqqqcqqqq", b"qqq", []),
    ("abab-overlap", b"xxabababyyababab", b"abab", []),
    ("aab-overlap", b"aaabaab-aaaab", b"aab", []),
    ("crlfcrlf-header-body", b"GET / HTTP/1.0\r\nHost: x\r\n\r\nhelloPOST\r\n\r\r\n\r\n", b"\r\n\r\n",
     [5, b"\r\n\r\n"]),
    ("bytes-count-none-bytes", b"A\n1234rest\nmore", b"\n", [4, None, b"\n"]),
    ("count-many-reads", bytes(range(48, 48 + 64)), 37, ["K"]),
    ("count-repeated", b"0123456789" * 5, 12, [12, 12, 12]),
    ("count-then-bytes", b"abcdefg\nhij\n", 3, [b"\n", 2]),
    ("eof-partial-crlf", b"line one\r\nline two\r", b"\r\n", []),
    ("eof-partial-abab", b"zzababa", b"abab", []),
    ("empty-records", b"\n\nx\n\n", b"\n", []),
    ("empty-records-crlf", b"\r\n\r\n\r\n", b"\r\n", []),
    ("falsy-count0", b"abc\ndef", 0, []),
    ("falsy-empty-bytes", b"abc\ndef", b"", []),
    ("falsy-none", b"abc\ndef", None, []),
    ("many-records", b"a\nb\nc\nd\ne\nf\ng\n", b"\n", []),
    ("binary-nul", b"ab\x00\xffcd\x00\x00\xff\x00", b"\x00\xff", []),
    ("switch-to-longer", b"k:v\r\nk2:v2\r\n\r\nBODY", b"\n", [b"\r\n", b"\r\n\r\n"]),
]

R16 = [("close-in-found", b"QUIT\nNOOP\nNOOP\n", b"\n", ["X"]),
       ("discard-in-found", b"QUIT\nNOOP\nNOOP\n", b"\n", ["D"])]


def spec(v):
    return v if isinstance(v, str) else tdesc(v)


if __name__ == "__main__":
    for name, stream, init, sched in CASES + R16:
        print(name)
        for k in (1, 10, HUGE):
            toks = oracle.run(stream, spec(init), [spec(s) for s in sched], k)
            print("  %-7s %s" % ("whole" if k == HUGE else k, oracle.summarize(toks)))
