#!/usr/bin/env python3
"""Checks that the code stays readable: no file under app/src or server/src over 600 lines, no
function over 150 (README, "How we like the code"). Prints each one that is over and fails."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ["app/src", "server/src"]
MAX_FILE_LINES = 600
MAX_FN_LINES = 150

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_of(line):
    """The line without its string literals and `//` comment, so braces in them do not count."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "' '", line)
    return line.split("//", 1)[0]


def functions(lines):
    """(name, first line, length) of every function: from its `fn` line to its closing brace."""
    found = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            code = code_of(lines[j])
            if not opened and ";" in code and "{" not in code:
                break  # a declaration without a body
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                found.append((m.group(6), i + 1, j - i + 1))
                break
    return found


def main():
    problems = []
    for src in SOURCES:
        for d, _, files in os.walk(os.path.join(ROOT, src)):
            for f in sorted(files):
                if not f.endswith(".rs"):
                    continue
                path = os.path.join(d, f)
                rel = os.path.relpath(path, ROOT)
                lines = open(path, encoding="utf-8").read().split("\n")
                if len(lines) - 1 > MAX_FILE_LINES:
                    problems.append(f"{rel}: {len(lines) - 1} lines (at most {MAX_FILE_LINES})")
                for name, at, length in functions(lines):
                    if length > MAX_FN_LINES:
                        problems.append(f"{rel}:{at}: fn {name} is {length} lines (at most {MAX_FN_LINES})")
    for p in sorted(problems):
        print(p)
    print(f"size check: {len(problems)} over the limits")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
