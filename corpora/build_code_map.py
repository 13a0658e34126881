"""Build the code tables of ``configs/``: ``code_map.csv``, ``code_exclusions.csv`` and ``chpl.csv``.

* ``code_map.csv`` (``prefix,label,also,note``): the dual-use label a declared code implies. Longest prefix wins;
  an empty ``label`` means the prefix implies nothing (a heading that holds dual-use and ordinary goods, or a
  subheading carved out of a labelled heading); ``also`` lists labels the prefix holds too without a conflict
  (drone parts sit in 8807 beside aircraft parts). Made from the "HS headings" column and the hard cases of the
  label guide (docs/LABELS.md), the plain rows of ``corpora/hs_label_map.csv``, and the ТН ВЭД ЕАЭС subheadings of
  ``corpora/reference/tnved.csv`` whose own text names civil aircraft or unmanned aircraft.
* ``code_exclusions.csv`` (``prefix,labels,note``): chapters and headings where a dual-use label cannot sit (a
  drone under clothing or furniture), for the ``text>code`` conflict when the code itself implies no label.
* ``chpl.csv``: the Common High Priority List, copied from ``corpora/reference/chpl.csv`` (see its SOURCE file).

The product reads only these files in ``configs/``. Run from the repository root::

    python corpora/build_code_map.py
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "configs"

# Hand-made rows: (prefix, label, also, note). Label "" = implies nothing.
HAND_ROWS = [
    ("8806", "drone", "", "unmanned aircraft (HS 2022)"),
    ("8807", "aircraft_parts", "drone", "parts of aircraft and of unmanned aircraft: drone parts sit here too"),
    ("8802", "aircraft_parts", "drone", "aeroplanes and helicopters (before HS 2022 unmanned aircraft were here too)"),
    ("880260", "", "", "spacecraft, satellites and launch vehicles: not manned aircraft"),
    ("8801", "aircraft_parts", "", "balloons, dirigibles, gliders: manned aviation hardware"),
    ("8803", "aircraft_parts", "drone", "parts of aircraft in HS 2017 (8807 since 2022), unmanned ones included"),
    ("8411", "", "", "turbojets, turbopropellers and other gas turbines: industrial turbines are ordinary"),
    ("841111", "aircraft_parts", "", "turbojets of a thrust not exceeding 25 kN"),
    ("841112", "aircraft_parts", "", "turbojets of a thrust exceeding 25 kN"),
    ("841121", "aircraft_parts", "", "turbopropellers of a power not exceeding 1,100 kW"),
    ("841122", "aircraft_parts", "", "turbopropellers of a power exceeding 1,100 kW"),
    ("841191", "aircraft_parts", "", "parts of turbojets or turbopropellers"),
    ("841210", "aircraft_parts", "", "reaction engines other than turbojets"),
    ("840910", "aircraft_parts", "", "parts of aircraft engines"),
    ("401130", "aircraft_parts", "", "new pneumatic tyres of a kind used on aircraft"),
    ("852691", "navigation", "", "radio navigational aid apparatus"),
    ("852610", "", "", "radar apparatus: ship and aircraft navigation, counter-UAS and weather radar"),
    ("852692", "", "", "radio remote control apparatus: drone controllers and ordinary ones"),
    ("9014", "navigation", "", "direction-finding compasses and other navigational instruments"),
    ("9015", "", "", "surveying instruments: not navigation in the sense of the label guide"),
    ("8471", "", "", "computers: rugged and ordinary ones"),
    ("8517", "", "", "phones, radios, network gear, signal boosters (and jammers declared as such)"),
    ("8525", "", "", "transmitters and cameras: drone cameras and ordinary ones"),
    ("8529", "", "", "parts of radio and TV apparatus: antennas of any kind"),
    ("8543", "", "", "electrical apparatus n.e.s.: jammers and ordinary apparatus"),
    ("8507", "", "", "accumulators: drone batteries and ordinary ones"),
    ("9503", "", "", "toys: toy drones and other toys"),
]

CIVIL_AIRCRAFT = re.compile(
    r"(?:для|на) (?:гражданских |использования на )?(?:воздушных судах|воздушных судов)"
    r"|для производства (?:гражданских )?(?:воздушных судов|вертолетов|авиационных двигателей)",
    re.IGNORECASE,
)
UNMANNED = re.compile(r"беспилотн", re.IGNORECASE)
# Chapters/headings where hs_label_map.csv counts items declared for civil aircraft as aircraft_parts.
AIRCRAFT_CHAPTERS = ("39", "40", "7007", "73", "84", "85", "88", "90", "91", "94")
# Goods for unmanned aircraft that are drone parts in the sense of the label guide (not weapons, chapter 93).
DRONE_CHAPTERS = ("84", "85", "88", "90")

ALL = "drone|counter_drone|rugged_computer|navigation|aircraft_parts"
NOT_AIRCRAFT = "drone|counter_drone|rugged_computer|navigation"
EXCLUSIONS = (
    [(f"{c:02d}", ALL, "live animals, food, beverages and tobacco") for c in range(1, 25)]
    + [
        ("30", ALL, "pharmaceutical products"),
        ("33", ALL, "perfumery and cosmetics"),
        ("4011", NOT_AIRCRAFT, "tyres"),
        ("401110", "aircraft_parts", "tyres of motor cars"),
        ("401120", "aircraft_parts", "tyres of buses and lorries"),
        ("401140", "aircraft_parts", "tyres of motorcycles"),
        ("401150", "aircraft_parts", "tyres of bicycles"),
        ("401170", "aircraft_parts", "tyres of agricultural and forestry vehicles"),
        ("401180", "aircraft_parts", "tyres of construction and industrial vehicles"),
        ("4202", ALL, "trunks, bags and cases"),
        ("43", ALL, "furskins"),
    ]
    + [(f"{c}", NOT_AIRCRAFT, "textiles (aircraft cabin textiles can be aircraft parts)") for c in range(50, 61)]
    + [
        ("61", ALL, "knitted clothing"),
        ("62", ALL, "clothing, not knitted"),
        ("63", NOT_AIRCRAFT, "other made-up textile articles"),
        ("64", ALL, "footwear"),
        ("65", ALL, "headgear"),
        ("66", ALL, "umbrellas, walking sticks"),
        ("67", ALL, "feathers, artificial flowers, wigs"),
        ("71", ALL, "pearls, precious stones and metals, jewellery"),
        ("86", ALL, "railway locomotives and rolling stock"),
        ("87", "drone|rugged_computer|aircraft_parts", "road vehicles and their parts"),
        ("89", "drone|rugged_computer|aircraft_parts", "ships and boats"),
        ("9401", NOT_AIRCRAFT, "seats (aircraft seats can be aircraft parts)"),
        ("9402", ALL, "medical furniture"),
        ("9403", NOT_AIRCRAFT, "other furniture"),
        ("9404", NOT_AIRCRAFT, "mattresses and bedding"),
        ("9406", ALL, "prefabricated buildings"),
        ("95", "counter_drone|rugged_computer|navigation", "toys, games and sports requisites"),
        ("96", ALL, "miscellaneous manufactured articles (brushes, pens, lighters)"),
        ("97", ALL, "works of art and antiques"),
    ]
)


def tnved_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """ТН ВЭД ЕАЭС subheadings whose own text names civil aircraft (aircraft_parts) or unmanned aircraft (drone)."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            code, text = r["code"], r["description_ru"]
            if len(code) != 10:
                continue
            own = text.split(":", 1)[1].strip() if ":" in text else text
            own = re.sub(r"\d+\)$", "", own)  # footnote marks
            if code.startswith("8806") or code.startswith("8807"):
                continue  # covered by the heading rows
            if UNMANNED.search(own) and code.startswith(DRONE_CHAPTERS):
                rows.append((code, "drone", "", f"ТН ВЭД: {own[:90]}"))
            elif CIVIL_AIRCRAFT.search(own) and code.startswith(AIRCRAFT_CHAPTERS):
                label = "navigation" if code.startswith(("852610", "852691", "9014")) else "aircraft_parts"
                rows.append((code, label, "", f"ТН ВЭД: {own[:90]}"))
    return rows


def main() -> None:
    """Write the three tables into ``configs/``."""
    rows = {r[0]: r for r in HAND_ROWS}
    for row in tnved_rows(HERE / "reference" / "tnved.csv"):
        rows.setdefault(row[0], row)
    for kite in ("8807900001", "8807900002", "8807900003"):
        rows[kite] = (kite, "", "", "parts of kites, spacecraft, suborbital and launch vehicles")
    with (CONFIGS / "code_map.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["prefix", "label", "also", "note"])
        w.writerows(sorted(rows.values()))
    with (CONFIGS / "code_exclusions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["prefix", "labels", "note"])
        w.writerows(EXCLUSIONS)
    shutil.copyfile(HERE / "reference" / "chpl.csv", CONFIGS / "chpl.csv")
    print(f"{len(rows)} code map rows, {len(EXCLUSIONS)} exclusion rows")


if __name__ == "__main__":
    main()
