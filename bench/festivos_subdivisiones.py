"""Subdivision holiday rules, national rules of the countries the `holidays` crate lacks, and
test vectors, from python-holidays (public category).

Writes
  crates/calendar/src/festivos/subdivisiones.tsv   the rules the calendar crate applies on top
                                                   of the national holidays of a subdivision,
                                                   and the national calendars of the countries
                                                   the `holidays` crate does not have (rows
                                                   coded `CC`, no subdivision)
  crates/calendar/tests/data/python_holidays_subdivisions.txt
                                                   the dates each subdivision adds to / drops
                                                   from the national calendar, 2000-2030
  crates/calendar/src/festivos/alfa3.tsv            ISO 3166-1 alpha-3 codes and their alpha-2
                                                   (`ECU` = `EC`), as python-holidays takes them
  crates/calendar/tests/data/python_holidays_national.txt
                                                   the holidays of each of those countries,
                                                   2000-2030

For every subdivision S of a country C that the `holidays` crate knows (except Germany, whose
Länder are written by hand in subdivisiones.rs), and every year 2000-2030, the dates of
`holidays.country_holidays(C, subdiv=S)` are compared with C's national calendar as the
calendar crate has it (the Rust `holidays` crate, whose national calendars are an older
python-holidays': Canada's holds Victoria Day and Thanksgiving, for instance), printed by
`cargo run -p calendar --example festivos`. So a subdivision's calendar is python-holidays'.
The dates S adds are grouped by holiday name (and the national dates it drops by their name),
and each group is explained, if possible, by one yearly rule that gives its date in every year
it occurs (fixed date, Easter offset, n-th / last weekday of a month, first weekday on or after
/ last on or before a date); years without it must be outside its first-last range, or years
where the rule's date is a holiday anyway. A group no rule explains (lunar calendars, observed
days, one-off days) is kept as its list of dates. Rules continue before 2000 and after 2030
when the group occurs in the first or last year; a list of dates does not.

Every other two-letter country of python-holidays (Ecuador, Thailand, the Philippines, Puerto
Rico, ...; aliases such as UK = GB left out) gets its whole national calendar the same way:
its holidays are the dates it adds to an empty calendar.

Usage: python bench/festivos_subdivisiones.py   (python-holidays 0.109; from the repository root)
"""

import datetime as dt
import re
import subprocess
import sys
from collections import defaultdict

import holidays
from dateutil.easter import EASTER_ORTHODOX, easter

FIRST, LAST = 2000, 2030
YEARS = range(FIRST, LAST + 1)
HAND_WRITTEN = {"DE"}
WD = ["lun", "mar", "mie", "jue", "vie", "sab", "dom"]


def nth(y, m, wd, n):
    d = dt.date(y, m, 1)
    d += dt.timedelta((wd - d.weekday()) % 7 + 7 * (n - 1))
    return d if d.month == m else None


def last(y, m, wd):
    d = (dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.timedelta(1)
    return d - dt.timedelta((d.weekday() - wd) % 7)


def safe(y, m, d):
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def rule_date(rule, y):
    kind = rule[0]
    if kind == "fija":
        d = safe(y, rule[1], rule[2])
    elif kind == "pascua":
        d = easter(y) + dt.timedelta(rule[1])
    elif kind == "pascua_ortodoxa":
        d = easter(y, EASTER_ORTHODOX) + dt.timedelta(rule[1])
    elif kind == "n":
        d = nth(y, rule[1], rule[2], rule[3])
    elif kind == "ultimo":
        d = last(y, rule[1], rule[2])
    elif kind in ("desde", "hasta"):
        a = safe(y, rule[1], rule[2])
        if a is None:
            return None
        if kind == "desde":
            d = a + dt.timedelta((rule[3] - a.weekday()) % 7)
        else:
            d = a - dt.timedelta((a.weekday() - rule[3]) % 7)
    return d if d is not None and d.year == y else None


def candidates(d):
    """Rules giving `d` in its year, simplest first."""
    y, wd = d.year, d.weekday()
    out = [("fija", d.month, d.day)]
    n = (d.day - 1) // 7 + 1
    if n <= 4:
        out.append(("n", d.month, wd, n))
    if last(y, d.month, wd) == d:
        out.append(("ultimo", d.month, wd))
    out.append(("pascua", (d - easter(y)).days))
    for k in range(7):
        for anchor, kind in ((d - dt.timedelta(k), "desde"), (d + dt.timedelta(k), "hasta")):
            if anchor.year == y and (anchor.month, anchor.day) != (2, 29):
                out.append((kind, anchor.month, anchor.day, wd))
    out.append(("pascua_ortodoxa", (d - easter(y, EASTER_ORTHODOX)).days))
    return out


def fmt(rule):
    kind = rule[0]
    if kind == "fija":
        return f"fija {rule[1]:02d}-{rule[2]:02d}"
    if kind in ("pascua", "pascua_ortodoxa"):
        return f"{kind} {rule[1]}"
    if kind == "n":
        return f"n {rule[1]:02d} {WD[rule[2]]} {rule[3]}"
    if kind == "ultimo":
        return f"ultimo {rule[1]:02d} {WD[rule[2]]}"
    return f"{kind} {rule[1]:02d}-{rule[2]:02d} {WD[rule[3]]}"


# A rule stays open before 2000 (after 2030) only when its group occurs in each of the first
# (last) EDGE years: a holiday seen in 2000 alone is a one-off, not a rule that held before.
EDGE = 3


def explain(dates_by_year, silent):
    """(rule, first, last) reproducing one group's dates, or None. `silent(y, d)`: whether
    the rule may give `d` in a year y inside its range where the group has no date (the
    calendar ends the same with or without the row: an added day that is a holiday of the
    subdivision anyway, a dropped day that is not one)."""
    years = sorted(dates_by_year)
    lo, hi = years[0], years[-1]
    for rule in candidates(dates_by_year[lo]):
        ok = True
        for y in YEARS:
            d = rule_date(rule, y)
            if y in dates_by_year:
                ok = d == dates_by_year[y]
            elif lo <= y <= hi:
                ok = d is None or silent(y, d)
            if not ok:
                break
        if ok:
            open_lo = all(y in dates_by_year for y in range(FIRST, FIRST + EDGE))
            open_hi = all(y in dates_by_year for y in range(LAST - EDGE + 1, LAST + 1))
            return rule, (None if open_lo else lo), (None if open_hi else hi)
    return None


# A national holiday of a table country that one rule gives in at least this share of its
# years, the last one included, is that rule plus its exceptions (the dates of the other
# years added, the rule's dates of those years dropped): Philippine Independence Day on 12 June
# but moved in a few years is a rule that goes on after 2030, not a list of dates that stops.
MOSTLY = 0.75


def explain_mostly(dates_by_year, silent):
    """(rule, first, last, added dates, dropped dates) for a group that a rule explains in at
    least MOSTLY of its years (its last year included), or None."""
    years = sorted(dates_by_year)
    lo, hi = years[0], years[-1]
    best, tried = None, set()
    for y0 in reversed(years[-EDGE:]):
        for rule in candidates(dates_by_year[y0]):
            if rule in tried:
                continue
            tried.add(rule)
            hits = sum(rule_date(rule, y) == dates_by_year[y] for y in years)
            current = rule_date(rule, hi) == dates_by_year[hi]
            if current and hits >= MOSTLY * len(years) and (best is None or hits > best[1]):
                best = (rule, hits)
    if best is None:
        return None
    rule = best[0]
    added = [dates_by_year[y] for y in years if rule_date(rule, y) != dates_by_year[y]]
    dropped = []
    for y in range(lo, hi + 1):
        d = rule_date(rule, y)
        if d is not None and d != dates_by_year.get(y) and not silent(y, d):
            dropped.append(d)
    open_lo = all(y in dates_by_year for y in range(FIRST, FIRST + EDGE))
    open_hi = all(y in dates_by_year for y in range(LAST - EDGE + 1, LAST + 1))
    return rule, (None if open_lo else lo), (None if open_hi else hi), added, dropped


def groups(diff, names):
    """{(name, k): {year: date}} of one sign: the k-th date of that name in each year.
    python-holidays joins the names of one day's holidays with "; ": each is its own."""
    out = defaultdict(dict)
    for y in YEARS:
        seen = defaultdict(int)
        for d in sorted(diff[y]):
            for name in names[y][d].split("; "):
                out[(name, seen[name])][y] = d
                seen[name] += 1
    return out


def subdivisions(code):
    try:
        cls = holidays.country_holidays(code).__class__
    except NotImplementedError:
        return []
    return [s for s in cls.subdivisions if re.fullmatch(r"[A-Z0-9]{1,3}", s)]


def crate_national():
    """{country: {year: {date: name}}} as the calendar crate gives them."""
    out = subprocess.run(
        ["cargo", "run", "-q", "-p", "calendar", "--example", "festivos", "--", str(FIRST), str(LAST)],
        check=True, capture_output=True, text=True,
    ).stdout
    nat = defaultdict(lambda: {y: {} for y in YEARS})
    for line in out.splitlines():
        code, d, name = line.split("\t")
        d = dt.date.fromisoformat(d)
        nat[code][d.year][d] = name
    return nat


def explained_rows(added, dropped, cal, nat, stats, exceptions=False):
    """The rows (sign, first date, the row without its code) of a calendar `cal` that adds
    `added` to, and drops `dropped` from, the calendar `nat` ({year: {date: name}}). With
    `exceptions` (a table country's national calendar, whose drops apply after its adds), a
    holiday a rule explains in most years is the rule and its exceptions."""
    rows = []
    for sign, diff, names, silent in (
        ("+", added, cal, lambda y, d: d in cal[y]),
        ("-", dropped, nat, lambda y, d: d not in cal[y]),
    ):
        for (name, _), by_year in groups(diff, names).items():
            found = explain(by_year, silent)
            name = name.replace("\t", " ")
            first = min(by_year.values())
            mostly = None if found or not exceptions or sign != "+" else explain_mostly(by_year, silent)
            if mostly:
                rule, lo, hi, plus, minus = mostly
                rows.append((sign, first, f"+\t{fmt(rule)}\t{lo or ''}\t{hi or ''}\t{name}"))
                if plus:
                    dates = ",".join(str(d) for d in sorted(plus))
                    rows.append((sign, min(plus), f"+\tfechas {dates}\t\t\t{name}"))
                if minus:
                    dates = ",".join(str(d) for d in sorted(minus))
                    rows.append(("-", min(minus), f"-\tfechas {dates}\t\t\t{name} (not this year)"))
                stats["rule_with_exceptions"] += 1
            elif found:
                rule, lo, hi = found
                rows.append((sign, first, f"{sign}\t{fmt(rule)}\t{lo or ''}\t{hi or ''}\t{name}"))
                stats["rule"] += 1
            else:
                dates = ",".join(str(d) for d in sorted(by_year.values()))
                rows.append((sign, first, f"{sign}\tfechas {dates}\t\t\t{name}"))
                stats["fechas"] += 1
    # Adds before drops, each by first date: of two adds on one day the first names it.
    return sorted(rows, key=lambda r: (r[0] != "+", r[1]))


def other_countries(known):
    """python-holidays' two-letter countries the crate lacks, without aliases (UK = GB)."""
    out = []
    for code in sorted(holidays.list_supported_countries()):
        if len(code) != 2 or code in known:
            continue
        if holidays.country_holidays(code).country != code:
            continue
        out.append(code)
    return out


def main():
    rules, vectors, stats = [], [], defaultdict(int)
    national = crate_national()
    for code in sorted(national):  # the crate's countries (calendar::festivos::PAISES)
        subs = subdivisions(code)
        if not subs:
            continue
        nat = national[code]
        by_sub = {}
        for s in subs:
            sub = {y: holidays.country_holidays(code, subdiv=s, years=y) for y in YEARS}
            added = {y: set(sub[y]) - set(nat[y]) for y in YEARS}
            dropped = {y: set(nat[y]) - set(sub[y]) for y in YEARS}
            key = f"{code}-{s}"
            for y in YEARS:
                vectors += [f"{key} {d} +" for d in sorted(added[y])]
                vectors += [f"{key} {d} -" for d in sorted(dropped[y])]
            if code in HAND_WRITTEN:
                continue
            by_sub[key] = explained_rows(added, dropped, sub, nat, stats)
        # A row every subdivision has is a difference of the national calendar (the crate's
        # is an older python-holidays'): written once, for `CC-*`.
        if by_sub:
            shared = set.intersection(*(set(rows) for rows in by_sub.values()))
            rules += [f"{code}-*\t{r[2]}" for r in sorted(shared, key=lambda r: (r[0] != "+", r[1]))]
            for key, rows in by_sub.items():
                own = [f"{key}\t{r[2]}" for r in rows if r not in shared]
                rules += own or [f"{key}\t=\t\t\t\tthe national holidays"]
    # The countries the crate lacks: their whole national calendar, as rows coded `CC`.
    empty = {y: {} for y in YEARS}
    national_vectors = []
    for code in other_countries(set(national)):
        cal = {y: holidays.country_holidays(code, years=y) for y in YEARS}
        added = {y: set(cal[y]) for y in YEARS}
        for y in YEARS:
            national_vectors += [f"{code} {d}" for d in sorted(added[y])]
        rows = explained_rows(added, {y: set() for y in YEARS}, cal, empty, stats, exceptions=True)
        rules += [f"{code}\t{r[2]}" for r in rows] or [f"{code}\t=\t\t\t\tno public holidays"]
        stats["countries"] += 1
    header = [
        "# Subdivision holidays on top of the national ones (calendar::festivos::tabla), derived",
        f"# from python-holidays {holidays.__version__} (public category) by bench/festivos_subdivisiones.py.",
        "# CC-* rows apply to every subdivision of CC (where the crate's national calendar differs from python-holidays').",
        "# CC rows (no subdivision) are the national holidays of a country the holidays crate lacks;",
        "# their - rows drop the dates a + rule gives in the years the holiday moved (applied after the + rows).",
        "# code<TAB>sign (+ added, - a national holiday dropped, = none)<TAB>rule<TAB>first year<TAB>last year<TAB>name",
        "# rules: fija MM-DD | pascua N | pascua_ortodoxa N | n MM WD K (K-th weekday) | ultimo MM WD |",
        "#        desde MM-DD WD (first WD on or after) | hasta MM-DD WD (last on or before) | fechas D,D,...",
        "# an empty first / last year = open (the rule holds before 2000 / after 2030).",
    ]
    with open("crates/calendar/src/festivos/subdivisiones.tsv", "w") as f:
        f.write("\n".join(header + rules) + "\n")
    with open("crates/calendar/tests/data/python_holidays_subdivisions.txt", "w") as f:
        f.write(
            "\n".join(
                [
                    f"# Subdivision holidays beyond the national calendar, per python-holidays {holidays.__version__} (public category),",
                    "# generated by bench/festivos_subdivisiones.py: for each subdivision S and year in 2000..=2030, compare",
                    "# holidays.country_holidays(C, subdiv=S) with C's national calendar as the calendar crate has it.",
                    "# '+' = an extra holiday of the subdivision, '-' = a national holiday the subdivision does not keep.",
                    "# code date sign",
                ]
                + vectors
            )
            + "\n"
        )
    alpha3 = sorted(
        (c, holidays.country_holidays(c).country)
        for c in holidays.list_supported_countries()
        if len(c) == 3
    )
    with open("crates/calendar/src/festivos/alfa3.tsv", "w") as f:
        f.write(
            f"# ISO 3166-1 alpha-3<TAB>alpha-2, the countries of python-holidays {holidays.__version__}"
            " (bench/festivos_subdivisiones.py).\n"
            + "".join(f"{a}\t{b}\n" for a, b in alpha3)
        )
    with open("crates/calendar/tests/data/python_holidays_national.txt", "w") as f:
        f.write(
            "\n".join(
                [
                    f"# National holidays per python-holidays {holidays.__version__} (public category) of the countries the",
                    "# holidays crate lacks, generated by bench/festivos_subdivisiones.py, 2000..=2030.",
                    "# code date",
                ]
                + national_vectors
            )
            + "\n"
        )
    print(dict(stats), len(rules), "rule rows,", len(vectors), "vector lines", file=sys.stderr)


if __name__ == "__main__":
    main()
