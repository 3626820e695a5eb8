r"""CSV results feeds (`format = "csv"`): a published sheet, a party's table, a data.gouv file.

Pure: bytes in, Snapshot out, or FeedError naming the file, the line, the column and the
value. Separators `;`, `,` or tab (sniffed from the header line); UTF-8 with or without BOM,
else cp1252, else latin-1; quoted or unquoted fields; an unnamed leading index column is
ignored. Numbers may carry spaces (`1 024`), decimal commas and a `%` (`"47,70 %"`,
`"60,00%"`). Shares are always recomputed from the votes; a published percentage is only
kept as `published_share`, the cross-check.

Options, from the source's `[sources.options]` table; every key is optional:

- `layout`: `"long"` (default), one row per candidate; `"wide"`, one row per place
  (bureau, commune, circonscription) with the candidates in columns; or `"blocks"`, one row
  per place whose header names the place's columns and one candidate block, repeated
  unnamed as many times as the place has candidates (data.gouv's "résultats par niveau":
  `N°Panneau;Sexe;Nom;Prénom;Nuance;Voix;% Voix/Ins;% Voix/Exp;Sièges`).
- `election`: the election id of the snapshots (default: the file name, slugged).
- `delimiter`: `";"`, `","`, `"\t"` or `"tab"` (default: sniffed from the header line).
- `encoding`: `"utf-8"`, `"cp1252"` or `"latin-1"` (default: detected as above).
- `race_id`: a constant race id; every row belongs to that one race. When neither it nor
  `columns.race_id` is given, the race is `"national"`.
- `race_name`: a constant race name; `{code}` in it is replaced by the row's race code.
  Default: the `columns.race_name` cell, else the race code.
- `level`: the level of the races (default `"national"`; `"circonscription"` for the blocks
  layout's default columns).
- `aggregate`: `"race"` sums every row (every unit, in the long layout) of a race: bureau
  rows become one race per `race_id` value, or one national race with a constant
  `race_id`. `"none"` rejects a race met in a second row or unit. Default: `"race"` with a
  constant race id, else `"none"`.
- `timezone`: IANA zone of `updated_at` cells written without a UTC offset
  (`"Europe/Paris"`); without it such cells are rejected.

`[sources.options.columns]` maps fields to header names (matched ignoring case and
surrounding spaces); a mapped column missing from the header rejects the file:

- `race_id`, `race_name`: the race's code (the id is its slug; the cell is kept as the
  race's code, `"079"` stays a string) and its name. Either may be a list of columns whose
  cells are joined, the code with `-` (département `01` and circonscription `05`: `01-05`),
  the name with `, `; so may `candidate_name` (with a space: `["Prénom", "Nom"]`).
- `unit` (long layout only): the polling station of the row, so that the candidate rows of
  one bureau form one unit.
- `units_counted`, `units_total`: stations counted and in total.
- `registered`, `voters`, `blank`, `null`, `valid`: turnout counts.
- `candidate_id`, `candidate_name`, `party`, `votes`, `share` (long and blocks layouts): the
  row's (or block's) candidate and its label (a nuance, a party); the id defaults to the
  name, slugged. `votes` or `share` is needed.
- `updated_at`: the data time, ISO 8601 with an offset or `DD/MM/YYYY HH:MM[:SS]`; the latest
  cell wins; empty cells are skipped. Without it (or with every cell empty) the snapshot
  takes the fetch time the caller passes (`fetched_at`), and its races are `dated=False`.

In the blocks layout, the candidate block runs from the first candidate column mapped to the
header's end; every other mapped column comes before it. A row's blocks follow one another
at that width; an empty block is padding, and the last may lack its unmapped trailing cells.
Without a `columns` table, it maps data.gouv's constituency file: `Code du département` +
`Code de la circonscription` → race_id, their `Libellé` → race_name, `Inscrits`, `Votants`,
`Blancs`, `Nuls`, `Exprimés`, `N°Panneau`, `Prénom` + `Nom`, `Nuance`, `Voix`, `% Voix/Exp`.

In the long layout, `columns` defaults to the recommended contract (`updated_at`,
`scope_code` → race_id, `scope` → race_name, `bureaux_total`, `bureaux_reported`,
`inscrits`, `votants`, `blancs`, `nuls`, `exprimes`, `candidate_id`, `candidate_name`,
`voix`); a `columns` table given replaces that default as a whole.

Wide-layout candidates are found by regular expressions searched in each header name:

- `candidate_votes`: e.g. `'^(?P<name>.+) - votes$'`, one candidate per matching column,
  named by the group `name`; or `'^Voix (?P<key>\d+)$'` for numbered blocks whose candidate
  is named in the cells.
- `candidate_share`: the published percentage, e.g. `'^(?P<name>.+) - pourcentage$'`; its
  `name` or `key` pairs it with a votes column.
- `candidate_name` (blocks): a pattern, or a list of patterns whose cells are joined with a
  space, e.g. `['^Prénom candidat (?P<key>\d+)$', '^Nom candidat (?P<key>\d+)$']`.
- `candidate_id` (blocks): e.g. `'^Numéro de panneau (?P<key>\d+)$'`.

Write patterns as TOML literal strings (single quotes), where `\d` needs no escaping.

In a wide row, a candidate whose votes and share cells are both empty is skipped (block
padding, a candidate not standing in that race, a bureau not yet counted); figures with no
name are an error.

Counting: a unit (a wide row, or the rows of one long-layout unit) has results when a
candidate has votes or a share above zero. Unless `units_counted` is mapped, a race's
stations counted are its units with results, its total the number of its units (or the
sum of `units_total`), and its turnout and votes sum the units with results only (a
bureau not yet counted adds nothing).
When `units_counted` is mapped, the rows are the feed's own aggregates and every row adds.
In the blocks layout, a race of one row without unit columns is a place that is in or not
(a constituency): its progress has kind `"none"`, and messages count no stations.
A published share survives only when one unit makes up the race.

Modules: `parser` (this one), `options` (checks and the resolved Spec), `reading` (decoding,
records, cells), `header` (the columns of each field and candidate), `units` (records folded
into races and units), `races` (units summed into a Race).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from bot.formats.csvfeed.header import read_header
from bot.formats.csvfeed.options import Spec, check_options, resolve
from bot.formats.csvfeed.races import build_race
from bot.formats.csvfeed.reading import checked_row, decode, read_records, sniff
from bot.formats.csvfeed.units import Builder
from bot.formats.errors import FeedError
from bot.formats.limits import DEFAULT_LIMITS, Limits
from bot.formats.slug import slug
from bot.models import Snapshot

FORMAT = "csv"
MAX_ROWS = 1_000_000

__all__ = ["FORMAT", "check_options", "parse"]


def parse(
    data: bytes,
    origin: str,
    options: Mapping[str, Any],
    fetched_at: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> Snapshot:
    """Parse a CSV results file into a Snapshot, or raise FeedError naming line, column, value.

    Nothing is unpacked, so `limits` are the registry's to check (size, data time)."""
    errors = check_options(options)
    if errors:
        raise FeedError(origin, "(options)", errors[0], "invalid csv options")
    spec = resolve(options)
    text = decode(data, origin, spec.encoding)
    if not text.strip():
        raise FeedError(origin, "(document)", data[:20], "empty file")
    builder = _fold(text, origin, spec)
    dated = builder.latest is not None  # else the fetch time: messages say "received at"
    races = tuple(build_race(r, spec, origin, dated) for r in builder.races.values())
    return Snapshot(
        election=spec.election or slug(PurePosixPath(origin.split("?")[0]).stem) or FORMAT,
        updated_at=builder.latest or fetched_at,
        races=races,
    )


def _fold(text: str, origin: str, spec: Spec) -> Builder:
    """Read the header, then fold every data record into its race and unit."""
    records = read_records(text, origin, spec.delimiter or sniff(text, origin))
    _, header = next(records, (0, []))
    plan = read_header(header, spec, origin)
    builder = Builder(origin, spec, plan)
    for n, (line, cells) in enumerate(records, start=1):
        if n > MAX_ROWS:
            raise FeedError(origin, f"line {line}", f"{n} rows", f"more than {MAX_ROWS} rows")
        builder.add(checked_row(origin, line, cells, plan.header, plan.block))
    if not builder.races:
        raise FeedError(origin, "(document)", f"{len(header)} columns", "no data rows")
    return builder
