"""Fill empty Welsh entries from citizenideas/translations/cy/pending.json (and any
pending-<topic>.json beside it, so that work on parallel branches merges without conflicts).

pending.json maps an English msgid to its Welsh: a string, or for a plural message a list of
the six Welsh forms (zero, one, two, few, many, other) keyed by the singular msgid. It holds
Welsh written ahead of time for text that is still on other branches: `pybabel update` cannot
keep a translation for a message the template does not have yet, so it waits here.

`make translations` runs this after `pybabel update`: an entry whose msgid is now in the
catalogue and still empty (or fuzzy) gets its Welsh; a translation already in the catalogue is
never overwritten. Entries applied are reported; entries not yet needed stay for next time.

    python tests/tools/apply_pending_welsh.py [--prune]   # --prune: drop applied entries
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent.parent
PO = ROOT / "citizenideas" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
CY = ROOT / "citizenideas" / "translations" / "cy"


def _pending_files() -> list[Path]:
    return sorted(CY.glob("pending*.json"))


def main(prune: bool = False) -> int:
    """Apply pending.json to messages.po; return the number of entries filled."""
    files = _pending_files()
    if not files:
        print("No pending.json: nothing to apply.")
        return 0
    pending: dict[str, str | list[str]] = {}
    for path in files:
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as f:
        catalog = read_po(f)
    applied, used = [], set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if message.pluralizable else message.id
        if key not in pending:
            continue
        used.add(key)
        forms = list(message.string) if message.pluralizable else [message.string]
        if all(forms) and not message.fuzzy:
            continue  # already translated here: the catalogue wins
        welsh = pending[key]
        if message.pluralizable:
            welsh = list(welsh) if isinstance(welsh, list) else [welsh] * catalog.num_plurals
            if len(welsh) != catalog.num_plurals:
                print(f"Skipped (needs {catalog.num_plurals} forms): {key!r}")
                continue
            message.string = tuple(welsh)
        else:
            message.string = welsh if isinstance(welsh, str) else welsh[0]
        message.flags.discard("fuzzy")
        applied.append(key)
    if applied:
        with PO.open("wb") as f:
            write_po(f, catalog, width=76)
    if prune and used:
        for path in files:
            entries = json.loads(path.read_text(encoding="utf-8"))
            left = {k: v for k, v in entries.items() if k not in used}
            path.write_text(json.dumps(left, ensure_ascii=False, indent=1, sort_keys=True)
                            + "\n", encoding="utf-8")
    waiting = len(set(pending) - used)
    print(f"Welsh from pending.json: {len(applied)} applied, {waiting} not in the catalogue yet.")
    return len(applied)


if __name__ == "__main__":
    main(prune="--prune" in sys.argv[1:])
