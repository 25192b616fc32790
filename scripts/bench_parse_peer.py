"""Python peer of the parse benchmark: read the same fields from the same
corpus files with openpyxl (XLSX) and python-docx (DOCX), the way a careful
script would (label in one cell, value in the next), and print the median
per-file time in microseconds, tab-separated: file, format, python_us."""
import statistics
import sys
import time
from pathlib import Path

import docx
import openpyxl

LABELS = {
    "nom de la collectivite ou de la structure", "type de structure", "pays",
    "membre de cites unies france", "presentation de votre collectivite ou structure",
    "nom", "prenom", "fonction", "courriel", "telephone",
    "titre du projet ou de la demarche", "thematique principale", "pays partenaire s",
    "description du projet ou de la demarche", "partenaires associes",
    "format de la presentation", "besoins materiels", "creneau horaire souhaite",
    "type de demande", "pays ou region concerne s", "thematique",
    "type de partenaire recherche", "description de la demande",
    "difficultes rencontrees", "creneau horaire souhaite pour le rendez vous",
}


def fold(s):
    import unicodedata
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    out = "".join(c if c.isalnum() else " " for c in s)
    return " ".join(out.split())


def read_xlsx(path):
    wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    best = {}
    for ws in wb.worksheets:
        found = {}
        for row in ws.iter_rows(values_only=True):
            cells = [c for c in row if c is not None]
            if len(cells) >= 2 and fold(str(cells[0])) in LABELS:
                found[fold(str(cells[0]))] = str(cells[1])
        if len(found) > len(best):
            best = found
    return best


def read_docx(path):
    d = docx.Document(path)
    found = {}
    for t in d.tables:
        for r in t.rows:
            cells = [c.text for c in r.cells]
            if len(cells) >= 2 and fold(cells[0]) in LABELS:
                found[fold(cells[0])] = cells[1]
    return found


def bench(fn, path, budget=0.4):
    for _ in range(3):
        fn(path)
    samples = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget or len(samples) < 10:
        t = time.perf_counter()
        fn(path)
        samples.append((time.perf_counter() - t) * 1e6)
    return statistics.median(samples)


def main():
    corpus = Path(sys.argv[1])
    print("file\tformat\tpython_us")
    for path in sorted(corpus.iterdir()):
        if path.suffix == ".xlsx":
            print(f"{path.name}\txlsx\t{bench(read_xlsx, path):.1f}")
        elif path.suffix == ".docx":
            print(f"{path.name}\tdocx\t{bench(read_docx, path):.1f}")


if __name__ == "__main__":
    main()
