"""A program that imports and exercises a broad part of the standard library, for
scripts/snapshot-heap.py: its results stay referenced from its globals when it ends."""

import argparse
import ast
import collections
import csv
import dataclasses
import datetime
import decimal
import difflib
import email.message
import email.parser
import fractions
import functools
import html.parser
import http.client
import io
import itertools
import json
import logging
import pathlib
import re
import statistics
import string
import textwrap
import typing
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class Record:
    name: str
    size: int
    words: collections.Counter


def parse_sources():
    """ASTs of this repository's Python files, kept."""
    trees = {}
    for path in sorted(ROOT.glob("**/*.py")):
        if "target" in path.parts:
            continue
        trees[str(path.relative_to(ROOT))] = ast.parse(path.read_text(encoding="utf-8"))
    return trees


def read_docs():
    """Every Markdown file: word counts, a diff of two, links."""
    records = []
    texts = {}
    for path in sorted(ROOT.glob("*.md")) + sorted(ROOT.glob("*/README.md")):
        text = path.read_text(encoding="utf-8")
        texts[path.name] = text
        words = collections.Counter(re.findall(r"[a-z]+", text.lower()))
        records.append(Record(str(path.relative_to(ROOT)), len(text), words))
    links = {m.group(1) for t in texts.values() for m in re.finditer(r"\]\(([^)]+)\)", t)}
    names = sorted(texts)
    diff = list(difflib.unified_diff(texts[names[0]].splitlines(),
                                     texts[names[-1]].splitlines(), lineterm=""))
    return records, sorted(links), diff


def numbers():
    values = [decimal.Decimal(i) / 7 for i in range(1, 400)]
    fracs = [fractions.Fraction(i, i + 3) for i in range(1, 400)]
    return {"mean": statistics.mean(float(v) for v in values),
            "sum": sum(fracs), "dates": [datetime.date(2026, 1, 1) + datetime.timedelta(days=d)
                                         for d in range(0, 365, 5)]}


def documents():
    root = ET.Element("runs")
    for i in range(300):
        ET.SubElement(root, "run", id=str(i), collector=("cycle", "refcount")[i % 2])
    xml_text = ET.tostring(root, encoding="unicode")
    message = email.message.EmailMessage()
    message["Subject"] = "gclab snapshot"
    message.set_content(textwrap.fill(" ".join(string.ascii_lowercase * 20), 60))
    parsed = email.parser.Parser().parsestr(message.as_string())
    rows = list(csv.reader(io.StringIO("a,b,c\n" + "\n".join(f"{i},{i * i},x{i}"
                                                                    for i in range(500)))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("runs.xml", xml_text)
    return {"xml": ET.fromstring(xml_text), "mail": parsed, "csv": rows,
            "json": json.loads(json.dumps({"rows": rows[:100]})),
            "zip": buffer.getvalue(),
            "url": [urllib.parse.urlparse(f"https://example.org/a/{i}?q={i}") for i in range(200)]}


class Titles(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = collections.defaultdict(int)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Smoke(unittest.TestCase):
    def test_fib(self):
        self.assertEqual(fib(30), 832040)


logging.basicConfig(level=logging.WARNING)
LOG = logging.getLogger("tour")
PARSER = argparse.ArgumentParser(prog="tour")
PARSER.add_argument("--n", type=int, default=3)
OPTIONS = PARSER.parse_args([])
TREES = parse_sources()
RECORDS, LINKS, DIFF = read_docs()
NUMBERS = numbers()
DOCUMENTS = documents()
HTML = Titles()
HTML.feed("<html><body>" + "<p>x</p><a href='y'>y</a>" * 200 + "</body></html>")
SUITE = unittest.defaultTestLoader.loadTestsFromTestCase(Smoke)
RESULT = unittest.TextTestRunner(stream=io.StringIO()).run(SUITE)
PERMUTATIONS = list(itertools.permutations(range(6)))
CONN = http.client.HTTPConnection("localhost")
HINTS = typing.get_type_hints(Record)
