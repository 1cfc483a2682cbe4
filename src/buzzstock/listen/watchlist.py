"""L-2: watch lists per product and Unicode-aware keyword matching (English and Chinese).

Text and keywords are NFKC-normalised and case-folded, so full-width letters, ligatures and case
do not matter. A Latin keyword matches whole words (with an optional plural ``s``/``es``); a
keyword containing CJK characters matches anywhere, because Chinese is written without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

KIND_PRODUCT = "product"
KIND_COMPETITOR = "competitor"
KIND_CATEGORY = "category"
KIND_SCENE_EMOTION = "scene_emotion"
# Only these kinds make a mention count for the product's own heat; competitor and category words
# give context (share of voice) but do not, on their own, mean the product was discussed.
COUNTING_KINDS = frozenset({KIND_PRODUCT, KIND_SCENE_EMOTION})

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD_CHAR = r"0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"


def normalise(text: str) -> str:
    """NFKC + case folding: the form both texts and keywords are compared in."""
    return unicodedata.normalize("NFKC", text).casefold()


def _pattern(term: str) -> str:
    if _CJK.search(term):
        return re.escape(term)
    return rf"(?<![{_WORD_CHAR}]){re.escape(term)}(?:e?s)?(?![{_WORD_CHAR}])"


@dataclass(frozen=True)
class WatchList:
    """L-2: what to listen for about one product, in any language mix."""

    product_id: str
    product_keywords: tuple[str, ...]
    competitor_keywords: tuple[str, ...] = ()
    category_keywords: tuple[str, ...] = ()
    scene_emotion: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class WatchMatch:
    product_id: str
    kinds: frozenset[str]

    @property
    def counts_for_product(self) -> bool:
        return bool(self.kinds & COUNTING_KINDS)


class Matcher:
    """L-2: finds which watch lists a text matches, with one compiled pattern for all keywords."""

    def __init__(self, watch_lists: Sequence[WatchList]) -> None:
        self._owners: dict[str, set[tuple[str, str]]] = {}
        self._scene_pairs: list[tuple[str, str, str]] = []
        for watch in watch_lists:
            for kind, terms in (
                (KIND_PRODUCT, watch.product_keywords),
                (KIND_COMPETITOR, watch.competitor_keywords),
                (KIND_CATEGORY, watch.category_keywords),
            ):
                for term in terms:
                    self._add(normalise(term), watch.product_id, kind)
            for scene, emotion in watch.scene_emotion:
                scene_term, emotion_term = normalise(scene), normalise(emotion)
                self._add(scene_term, watch.product_id, "scene")
                self._add(emotion_term, watch.product_id, "emotion")
                self._scene_pairs.append((watch.product_id, scene_term, emotion_term))
        ordered = sorted(self._owners, key=len, reverse=True)
        self._regex = re.compile("|".join(_pattern(term) for term in ordered)) if ordered else None
        self._term_regexes = {term: re.compile(_pattern(term)) for term in ordered}
        self._contained = {
            term: [
                other
                for other in ordered
                if other != term and self._term_regexes[other].search(term)
            ]
            for term in ordered
        }
        self._lookup = {term: term for term in ordered}

    def _add(self, term: str, product_id: str, kind: str) -> None:
        if term.strip():
            self._owners.setdefault(term.strip(), set()).add((product_id, kind))

    def terms_in(self, text: str) -> set[str]:
        """Every keyword that occurs in ``text``."""
        if self._regex is None:
            return set()
        found: set[str] = set()
        for match in self._regex.finditer(normalise(text)):
            term = self._resolve(match.group(0))
            found.add(term)
            found.update(self._contained[term])
        return found

    def _resolve(self, matched: str) -> str:
        if matched in self._lookup:
            return matched
        for suffix in ("es", "s"):
            stem = matched[: -len(suffix)]
            if matched.endswith(suffix) and stem in self._lookup:
                return stem
        return next(term for term, regex in self._term_regexes.items() if regex.fullmatch(matched))

    def match(self, text: str) -> list[WatchMatch]:
        """L-2: the watch lists ``text`` matches, with the kinds of keyword that matched."""
        terms = self.terms_in(text)
        kinds: dict[str, set[str]] = {}
        for term in terms:
            for product_id, kind in self._owners[term]:
                if kind in (KIND_PRODUCT, KIND_COMPETITOR, KIND_CATEGORY):
                    kinds.setdefault(product_id, set()).add(kind)
        for product_id, scene, emotion in self._scene_pairs:
            if scene in terms and emotion in terms:
                kinds.setdefault(product_id, set()).add(KIND_SCENE_EMOTION)
        return [WatchMatch(product, frozenset(found)) for product, found in sorted(kinds.items())]

    def products(self, text: str) -> tuple[str, ...]:
        """Products whose own heat ``text`` counts for (product keyword or scene + emotion)."""
        return tuple(match.product_id for match in self.match(text) if match.counts_for_product)


def watch_lists_from_json(data: Iterable[dict[str, object]]) -> list[WatchList]:
    """Watch lists from JSON objects with the field names of :class:`WatchList`."""

    def strings(value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            return ()
        return tuple(str(item) for item in value)

    lists = []
    for item in data:
        pairs_raw = item.get("scene_emotion", [])
        pairs = tuple(
            (str(pair[0]), str(pair[1]))
            for pair in (pairs_raw if isinstance(pairs_raw, list) else [])
            if isinstance(pair, list | tuple) and len(pair) == 2
        )
        lists.append(
            WatchList(
                product_id=str(item["product_id"]),
                product_keywords=strings(item.get("product_keywords")),
                competitor_keywords=strings(item.get("competitor_keywords")),
                category_keywords=strings(item.get("category_keywords")),
                scene_emotion=pairs,
            )
        )
    return lists
