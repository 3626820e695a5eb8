"""Benchmark of the fr-interior-xml parser on a whole-country-sized commune file.

Generates (seeded, in memory) a Ministry-style commune file of a département: `--communes`
communes × `--candidates` candidates, every `Mentions` and `Candidat` element, percentages
with a decimal comma padded to 7 characters. Then times, on the same bytes:

- Soirée: `fr_interior.parse` (streaming) + `diff` against no previous snapshot (which runs
  every anomaly check), and a second `diff` against the same snapshot (a re-poll);
- the streaming floor: `lxml.etree.iterparse(tag="Commune")` summing votes, clearing as it goes;
- a bare `lxml.etree.fromstring` (entities off) and `xml.etree.ElementTree.fromstring`.

Peak RSS is read per phase from /proc/self/status (VmHWM, reset before each phase through
/proc/self/clear_refs); where that is unavailable, the process's ru_maxrss is shown instead.
Soirée's phases run first in the fresh process; each baseline runs in a forked child, so
that a full tree freed by one does not inflate the next one's starting point.

    python -m bench.parse_fr_interior [--communes 35000] [--candidates 10] [--seed 2017]

(from the repository root, so that `bot` is importable without installing it).
"""

from __future__ import annotations

import argparse
import functools
import gc
import io
import multiprocessing
import random
import resource
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from lxml import etree

from bot.diff import diff
from bot.rules import Rules
from bot.sources.fr_interior import parse

NAMES = [
    ("HORTALA", "Frédéric"),
    ("MIREPOIX", "Achille"),
    ("ARBOCOL", "Nadine"),
    ("GIRARD", "Béatrice"),
    ("SANJUAN", "Norbert"),
    ("CHAPUIS", "Julien"),
    ("DURAND", "Marcel"),
    ("JONCOUR", "Emilie"),
    ("POMPANON", "Patrick"),
    ("BAVÉLÈRE", "François"),
    ("MÉDÉRIC", "Jérémie"),
    ("LE CHEVALIER", "Muriel"),
]


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:7.2f}".replace(".", ",") if whole else "   0,00"


def mention(tag: str, n: int, ins: int, vot: int | None) -> str:
    extra = f"<RapportVotant>{pct(n, vot)}</RapportVotant>" if vot is not None else ""
    return (
        f"<{tag}><Nombre>{n}</Nombre><RapportInscrit>{pct(n, ins)}</RapportInscrit>{extra}</{tag}>"
    )


def commune(rng: random.Random, i: int, candidates: int) -> str:
    ins = rng.randint(80, 4000)
    vot = rng.randint(ins // 2, ins)
    blancs, nuls = rng.randint(0, vot // 40), rng.randint(0, vot // 60)
    exp = vot - blancs - nuls
    weights = [rng.random() + 0.05 for _ in range(candidates)]
    votes = [int(exp * w / sum(weights)) for w in weights]
    votes[0] += exp - sum(votes)
    cands = "".join(
        f"<Candidat><NumPanneauCand>{k + 1}</NumPanneauCand><NomPsn>{NAMES[k % 12][0]}</NomPsn>"
        f"<PrenomPsn>{NAMES[k % 12][1]}</PrenomPsn><CivilitePsn>M.</CivilitePsn>"
        f"<NbVoix>{v}</NbVoix><RapportExprime>{pct(v, exp)}</RapportExprime>"
        f"<RapportInscrit>{pct(v, ins)}</RapportInscrit></Candidat>\n"
        for k, v in enumerate(votes)
    )
    return (
        f"<Commune><CodSubCom>{i:05d}</CodSubCom><LibSubCom>Commune n° {i}</LibSubCom>\n"
        f"<Tours><Tour><NumTour>1</NumTour><Mentions>"
        f"<Inscrits><Nombre>{ins}</Nombre></Inscrits>"
        f"<Abstentions><Nombre>{ins - vot}</Nombre>"
        f"<RapportInscrit>{pct(ins - vot, ins)}</RapportInscrit></Abstentions>"
        f"<Votants><Nombre>{vot}</Nombre><RapportInscrit>{pct(vot, ins)}</RapportInscrit></Votants>"
        f"{mention('Blancs', blancs, ins, vot)}{mention('Nuls', nuls, ins, vot)}"
        f"{mention('Exprimes', exp, ins, vot)}</Mentions>\n"
        f"<Resultats><Candidats>\n{cands}</Candidats></Resultats></Tour></Tours></Commune>\n"
    )


def generate(communes: int, candidates: int, seed: int) -> bytes:
    """Return the bytes of a synthetic Ministry commune file."""
    rng = random.Random(seed)
    out = io.BytesIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Election><Scrutin><Type>Présidentielle</Type>'
        "<Annee>2027</Annee></Scrutin>\n<Departement><CodReg>11</CodReg><CodReg3Car>011"
        "</CodReg3Car><LibReg>Île-de-France</LibReg><CodDpt>99</CodDpt><CodMinDpt>99</CodMinDpt>"
        "<CodDpt3Car>099</CodDpt3Car><LibDpt>Synthétique</LibDpt><DateDerMaj>11-04-2027"
        "</DateDerMaj><HeureDerMaj>22:15:00</HeureDerMaj>\n<Communes>\n".encode()
    )
    for i in range(1, communes + 1):
        out.write(commune(rng, i, candidates).encode())
    out.write(b"</Communes></Departement></Election>\n")
    return out.getvalue()


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(label: str, work: Callable[[], Any]) -> tuple[float, Any]:
    """Run `work` once; print its time and the peak RSS it reached."""
    gc.collect()
    before = _status_kb("VmRSS") or 0
    exact = _reset_peak()
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    if exact:
        peak = _status_kb("VmHWM") or 0
        memory = f"peak RSS {peak / 1024:7.1f} MB ({(peak - before) / 1024:+7.1f} MB over start)"
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        memory = f"process max RSS so far {peak / 1024:7.1f} MB"
    print(f"{label:<52} {elapsed:7.2f} s   {memory}", flush=True)
    return elapsed, result


def isolated(label: str, work: Callable[[], Any]) -> float:
    """Run `measure` in a forked child, so that each full tree starts from the same memory."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(label, work, send))
    child.start()
    elapsed = float(receive.recv())
    child.join()
    return elapsed


def _child(label: str, work: Callable[[], Any], send: Connection) -> None:
    elapsed, _ = measure(label, work)
    send.send(elapsed)


def stream_floor(data: bytes) -> int:
    """Sum every NbVoix with iterparse over Commune, clearing each: the streaming floor."""
    total = 0
    for _, elem in etree.iterparse(io.BytesIO(data), tag="Commune", resolve_entities=False):
        total += sum(int(v.text or 0) for v in elem.iter("NbVoix"))
        elem.clear()
        while elem.getprevious() is not None:
            parent = elem.getparent()
            assert parent is not None
            del parent[0]
    return total


def _ours(data: bytes) -> Callable[[], Any]:
    return functools.partial(parse, data, "bench", {})


def main() -> None:
    """Generate the file, then time each way of reading it."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--communes", type=int, default=35_000)
    args.add_argument("--candidates", type=int, default=10)
    args.add_argument("--seed", type=int, default=2017)
    opts = args.parse_args()

    data = generate(opts.communes, opts.candidates, opts.seed)
    rss = (_status_kb("VmRSS") or 0) / 1024
    print(
        f"synthetic commune file: {opts.communes:,} communes × {opts.candidates} candidates, "
        f"{len(data) / 1e6:.1f} MB, seed {opts.seed}; RSS now {rss:.0f} MB"
    )
    rules, now = Rules(), datetime.now(UTC)
    t_parse, snap = measure("Soirée parse (fr-interior-xml, streaming)", _ours(data))
    t_diff, events = measure(
        "Soirée diff(None → snapshot): checks + events",
        functools.partial(diff, None, snap, rules, now),
    )
    t_again, _ = measure(
        "Soirée diff(snapshot → same snapshot)", functools.partial(diff, snap, snap, rules, now)
    )
    anomalies = sum(e.kind == "anomaly" for e in events)
    print(f"  → {len(snap.races):,} races, {len(events):,} events, {anomalies} anomalies")
    del snap, events
    t_floor = isolated(
        "lxml.etree.iterparse(tag=Commune), sum votes, clear", functools.partial(stream_floor, data)
    )
    lxml_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    t_lxml = isolated(
        "lxml.etree.fromstring (full tree)", functools.partial(etree.fromstring, data, lxml_parser)
    )
    t_et = isolated(
        "xml.etree.ElementTree.fromstring (full tree)", functools.partial(ET.fromstring, data)
    )

    total = t_parse + t_diff
    print()
    print(f"parse + validate + diff: {total:.2f} s")
    print(f"  ratio to lxml.etree.fromstring:            × {total / t_lxml:.2f}")
    print(f"  ratio to xml.etree.ElementTree.fromstring: × {total / t_et:.2f}")
    print(f"  ratio to the iterparse floor:              × {total / t_floor:.2f}")
    print(f"  re-poll diff of an unchanged snapshot:     {t_again:.2f} s")


if __name__ == "__main__":
    main()
