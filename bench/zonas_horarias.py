"""The time zone of each country and of the subdivisions of countries that span several, from
the IANA time zone database's `zone.tab` (Debian's tzdata: /usr/share/zoneinfo/zone.tab).

Writes
  crates/calendar/src/zonas.tsv   `CODE<TAB>Area/City`: one row per ISO 3166-1 alpha-2 country,
                                  and `CC-SUB` rows for the subdivisions listed below

A country's zone is the first zone `zone.tab` lists for it (its most populous region, as the
file orders them), except where the file starts with an outlying region (`AU` lists Lord Howe
Island first, `BR` Fernando de Noronha, `CA` Newfoundland, `RU` Kaliningrad): there the zone of
the capital / most populous region is named in MAIN. Subdivision rows cover the countries whose
regions differ in their offset from the country's zone (`US-MN` = America/Chicago, `AU-WA` =
Australia/Perth, `ES-CN` = Atlantic/Canary); their codes are python-holidays' (ISO 3166-2
suffixes). A subdivision without a row takes its country's zone.

The table is read by `calendar::zona_horaria`, which cuts timestamps written with an offset to
the dates of the business's own time zone. Run from the repository root:

    python3 bench/zonas_horarias.py [path/to/zone.tab]
"""

import sys
from pathlib import Path

MAIN = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "AQ": "Antarctica/McMurdo",
}

# Codes python-holidays has and zone.tab does not: Kosovo (not in ISO 3166-1) keeps Serbia's
# clock; Bouvet Island and Heard Island are uninhabited (the clocks of their longitudes).
EXTRA = {"XK": "Europe/Belgrade", "BV": "Etc/UTC", "HM": "Indian/Kerguelen"}

# Subdivisions whose zone is not their country's (or whose country's is ambiguous).
SUBDIVISIONS = {
    "US": {
        **{s: "America/New_York" for s in
           "CT DC DE FL GA MA MD ME NC NH NJ NY OH PA RI SC VA VT WV".split()},
        "MI": "America/Detroit",
        "IN": "America/Indiana/Indianapolis",
        "KY": "America/Kentucky/Louisville",
        **{s: "America/Chicago" for s in
           "AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI".split()},
        **{s: "America/Denver" for s in "CO MT NM UT WY".split()},
        "AZ": "America/Phoenix",
        "ID": "America/Boise",
        **{s: "America/Los_Angeles" for s in "CA NV OR WA".split()},
        "AK": "America/Anchorage",
        "HI": "Pacific/Honolulu",
        "AS": "Pacific/Pago_Pago",
        "GU": "Pacific/Guam",
        "MP": "Pacific/Saipan",
        "PR": "America/Puerto_Rico",
        "VI": "America/St_Thomas",
        "UM": "Pacific/Wake",
    },
    "CA": {
        "AB": "America/Edmonton",
        "BC": "America/Vancouver",
        "MB": "America/Winnipeg",
        "NB": "America/Moncton",
        "NL": "America/St_Johns",
        "NS": "America/Halifax",
        "NT": "America/Edmonton",
        "NU": "America/Iqaluit",
        "ON": "America/Toronto",
        "PE": "America/Halifax",
        "QC": "America/Toronto",
        "SK": "America/Regina",
        "YT": "America/Whitehorse",
    },
    "AU": {
        "ACT": "Australia/Sydney",
        "NSW": "Australia/Sydney",
        "NT": "Australia/Darwin",
        "QLD": "Australia/Brisbane",
        "SA": "Australia/Adelaide",
        "TAS": "Australia/Hobart",
        "VIC": "Australia/Melbourne",
        "WA": "Australia/Perth",
    },
    "BR": {
        "AC": "America/Rio_Branco",
        "AL": "America/Maceio",
        "AM": "America/Manaus",
        "AP": "America/Belem",
        "BA": "America/Bahia",
        "CE": "America/Fortaleza",
        "MA": "America/Fortaleza",
        "MS": "America/Campo_Grande",
        "MT": "America/Cuiaba",
        "PA": "America/Belem",
        "PB": "America/Fortaleza",
        "PE": "America/Recife",
        "PI": "America/Fortaleza",
        "RN": "America/Fortaleza",
        "RO": "America/Porto_Velho",
        "RR": "America/Boa_Vista",
        "SE": "America/Maceio",
        "TO": "America/Araguaina",
        **{s: "America/Sao_Paulo" for s in "DF ES GO MG PR RJ RS SC SP".split()},
    },
    "MX": {
        "BCN": "America/Tijuana",
        "BCS": "America/Mazatlan",
        "SIN": "America/Mazatlan",
        "NAY": "America/Mazatlan",
        "SON": "America/Hermosillo",
        "CHH": "America/Chihuahua",
        "ROO": "America/Cancun",
        "CAM": "America/Merida",
        "YUC": "America/Merida",
        "NLE": "America/Monterrey",
        "COA": "America/Monterrey",
        "TAM": "America/Monterrey",
    },
    "ES": {"CN": "Atlantic/Canary", "CE": "Africa/Ceuta", "ML": "Africa/Ceuta"},
    "PT": {"20": "Atlantic/Azores", "30": "Atlantic/Madeira"},
    "EC": {"W": "Pacific/Galapagos"},
    "NZ": {"CIT": "Pacific/Chatham"},
}


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/zoneinfo/zone.tab")
    first: dict[str, str] = {}
    listed: set[str] = set()
    for line in src.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coords, zone = line.split("\t")[:3]
        first.setdefault(code, zone)
        listed.add(zone)
    rows = []
    for code in sorted(first):
        zone = MAIN.get(code, first[code])
        assert zone in listed, (code, zone)
        rows.append((code, zone))
    for code, zone in EXTRA.items():
        assert code not in first and (zone in listed or zone.startswith("Etc/")), (code, zone)
        rows.append((code, zone))
    rows.sort()
    for country in sorted(SUBDIVISIONS):
        for sub, zone in sorted(SUBDIVISIONS[country].items()):
            assert zone in listed, (country, sub, zone)
            rows.append((f"{country}-{sub}", zone))
    out = Path("crates/calendar/src/zonas.tsv")
    with out.open("w") as f:
        f.write(f"# CODE<TAB>IANA zone: countries from {src.name} (tzdata), subdivisions whose "
                "zone differs (bench/zonas_horarias.py).\n")
        for code, zone in rows:
            f.write(f"{code}\t{zone}\n")
    print(f"{out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
