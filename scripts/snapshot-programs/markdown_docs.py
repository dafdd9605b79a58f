"""Python-Markdown (pure Python, from PyPI: `pip install markdown`) rendering every
Markdown file of this repository with its usual extensions, for scripts/snapshot-heap.py:
the parsed documents and their HTML stay referenced from its globals when it ends."""

import pathlib

import markdown

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted(ROOT.glob("*.md")) + sorted(ROOT.glob("*/README.md"))
CONVERTER = markdown.Markdown(extensions=["tables", "fenced_code", "toc", "footnotes"])
PAGES = {}
TREES = {}
for path in SOURCES:
    text = path.read_text(encoding="utf-8")
    PAGES[str(path.relative_to(ROOT))] = CONVERTER.reset().convert(text)
    TREES[str(path.relative_to(ROOT))] = CONVERTER.parser.parseDocument(text.split("\n"))
