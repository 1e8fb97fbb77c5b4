#!/usr/bin/env python3
"""Fails unless README.md's example code block is readme_example.cpp, verbatim."""
import sys

readme, example = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
marker = "([tests/engine/readme_example.cpp]"
start = readme.find("```cpp\n", readme.find(marker))
end = readme.find("```\n", start + 7)
if readme.find(marker) < 0 or start < 0 or end < 0:
    sys.exit("README.md: the example's ```cpp block was not found")
block = readme[start + 7:end]
if block.strip() != example.strip():
    sys.exit("README.md's example differs from tests/engine/readme_example.cpp: copy the file into the README")
print("README example matches tests/engine/readme_example.cpp")
