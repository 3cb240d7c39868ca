"""Characters no reader can see: removed from names before they are matched or shown."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and C1, soft hyphen, zero-width and joiner characters,
# bidi embeddings, overrides and isolates, word joiner and invisible operators, BOM.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def strip_invisible(text: str) -> str:
    """`text` without invisible or direction-control characters (newlines and tabs kept), so
    that `gpt\\u200b-5` is read as what it looks like."""
    return INVISIBLE.sub("", text)
