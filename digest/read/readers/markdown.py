"""Markdown files with optional YAML front matter -> one raw article."""

from __future__ import annotations

import functools
import html as html_lib
import importlib
import re
from typing import TYPE_CHECKING, Any

from digest.errors import SourceError

if TYPE_CHECKING:
    from frontmatter.default_handlers import YAMLHandler
    from markdown.util import Registry
from digest.models import RawArticle
from digest.read.readers import _common
from digest.read.readers.decode import decode

FORMAT = "markdown"
FRONT_MATTER = "front-matter"
_FENCE = "---"
_CLOSING_FENCES = ("---", "...")
_DATE_KEYS = ("date", "published", "pubdate")
_URL_KEYS = ("url", "link", "canonical")
# Python-Markdown's inline patterns and block processors (with "extra") that can only match where one
# of these characters is: a body holding none of them is not searched with them. Those not named here
# (line breaks, lists, code, any an extension adds) are always tried.
_PATTERN_CHARACTERS = {
    "backtick": "`",
    "escape": "\\",
    "footnote": "[",
    "reference": "[",
    "link": "[",
    "image_link": "[",
    "image_reference": "[",
    "short_reference": "[",
    "short_image_ref": "[",
    "autolink": "<",
    "automail": "<",
    "html": "<",
    "entity": "&",
    "em_strong": "*_",
}
_BLOCK_CHARACTERS = {
    "hashheader": "#",
    "hr": "-_*",
    "quote": ">",
    "reference": "[",
    "footnote": "[",
    "abbr": "[",
    "deflist": ":",
    "table": "|",
}
_TRIGGERS = "".join(sorted(set("".join(_PATTERN_CHARACTERS.values()) + "".join(_BLOCK_CHARACTERS.values()))))
INLINE_BUDGET = 10_000_000  # inline markup characters times the length of their paragraph, summed
# Inline markup, and a ':' opening a line: a definition, for which the rest of its paragraph is split off and
# searched again. Footnote markers ('[^') count by their '['.
_INLINE_MARKS = "[<\\`*_&!"
_DEFINITION = re.compile(r"^ {0,3}:", re.MULTILINE)
MAX_BLOCKS = 30_000  # paragraphs and footnote markers in one document
_ATX_HEADING = re.compile(r"(#{1,6}) +(.+?)(?: +#+)?")
MAX_VALUES = 10_000  # keys, values and list items in front matter; real front matter has a few dozen


def read(data: bytes, source: str) -> list[RawArticle]:
    """Read one Markdown file: front matter for the metadata, the body rendered to HTML."""
    text = decode(data, source)
    if not text.strip():
        raise SourceError(source, "empty file")
    meta, body = split_front_matter(text, source)
    warnings: list[str] = []
    fields = _front_matter_fields(meta, warnings)
    root = _render(body, source, warnings)
    title, title_from = _title(meta, root, warnings)
    paragraphs = _common.paragraphs(root)
    if title is None and not paragraphs:
        raise SourceError(source, "no article text")
    html = _common.inner_html(root)
    article = RawArticle(
        source=source,
        format=FORMAT,
        paragraphs=paragraphs,
        html=html or None,
        title=title,
        title_from=title_from,
        warnings=tuple(warnings),
        **fields,
    )
    return [article]


def split_front_matter(text: str, source: str) -> tuple[dict[str, object], str]:
    """Split decoded text into its front matter (keys lowercased) and its Markdown body."""
    if text.split("\n", 1)[0].rstrip() != _FENCE:
        return {}, text
    import frontmatter

    meta, body = frontmatter.parse(text, handler=_strict_handler(source))
    return meta, body


def _strict_handler(source: str) -> YAMLHandler:
    """python-frontmatter's YAML handler, made strict: a missing closing fence or YAML that is not
    a mapping is an error with its line, where the stock handler silently treats it as body text."""
    handler: YAMLHandler = _strict_handler_class()(source)
    return handler


@functools.cache
def _strict_handler_class() -> type[Any]:
    """The strict handler's class, made once: python-frontmatter is imported only when needed."""
    from frontmatter.default_handlers import YAMLHandler

    class StrictYAMLHandler(YAMLHandler):
        def __init__(self, source: str) -> None:
            super().__init__()
            self.source = source

        def split(self, text: str) -> tuple[str, str]:
            lines = text.split("\n")
            closing = next(
                (i for i, line in enumerate(lines[1:], 1) if line.rstrip() in _CLOSING_FENCES), None
            )
            if closing is None:
                raise SourceError(self.source, f"malformed front matter: no closing '{_FENCE}' line")
            return "\n".join(lines[1:closing]), "\n".join(lines[closing + 1 :])

        def load(self, fm: str, **kwargs: object) -> dict[str, object]:
            return _lowercase_keys(_bounded(_load_yaml(fm, self.source), self.source), self.source)

    return StrictYAMLHandler


def _load_yaml(block: str, source: str) -> object:
    import yaml

    try:
        return yaml.load(block, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        # +2: marks count from 0, and the block starts after the opening '---' line.
        where = f" (line {exc.problem_mark.line + 2})" if exc.problem_mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(source, f"malformed front matter: {problem}{where}") from exc
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise SourceError(source, f"malformed front matter: {_common.collapse(str(exc))}") from exc
    except RecursionError as exc:
        raise SourceError(source, "malformed front matter: nested too deeply") from exc


def _bounded(loaded: object, source: str) -> object:
    """The loaded front matter, refused when its values add up to more than MAX_VALUES.

    YAML aliases reuse a value by reference: nine nested lists of nine aliases are a few lines that
    become a billion strings as soon as anything turns them into text.
    """
    pending, count = [loaded], 0
    while pending:
        value = pending.pop()
        count += 1
        if count > MAX_VALUES:
            raise SourceError(
                source, f"malformed front matter: more than {MAX_VALUES:,} values (YAML aliases?)"
            )
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return loaded


@functools.cache
def _loader() -> type[Any]:
    """A safe YAML loader that leaves dates and yes/no words as text, for digest.read.dates to judge."""
    import yaml

    dropped = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    resolvers = {
        first: [(tag, pattern) for tag, pattern in entries if tag not in dropped]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    # libyaml's parser when PyYAML was built with it: same safe construction, ten times the speed.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("FrontMatterLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _lowercase_keys(loaded: object, source: str) -> dict[str, object]:
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = "a list" if isinstance(loaded, list) else f"{type(loaded).__name__} {str(loaded)[:40]!r}"
        raise SourceError(source, f"malformed front matter: expected keys and values, found {kind}")
    meta: dict[str, object] = {}
    for key, value in loaded.items():
        meta.setdefault(str(key).strip().lower(), value)
    return meta


def _front_matter_fields(meta: dict[str, object], warnings: list[str]) -> dict[str, Any]:
    """Every RawArticle field the front matter gives, except the title."""
    fields: dict[str, Any] = {}
    _set(fields, "author", _people(meta.get("author"), "author", warnings))
    publisher = meta["publisher"] if meta.get("publisher") is not None else meta.get("source")
    _set(fields, "publisher", _people(publisher, "publisher", warnings))
    _set(fields, "url", _url(meta, warnings))
    found, when, date_warnings = _common.first_date(
        (_common.Found(_as_text(meta[key]), FRONT_MATTER) for key in _DATE_KEYS if meta.get(key) is not None),
        "front matter",
    )
    warnings.extend(date_warnings)
    if found is not None and when is not None:
        fields.update(date=when.date, published=when.timestamp, date_from=FRONT_MATTER)
    fields["tags"] = _tags(meta.get("tags"))
    fields["topic"] = _scalar(meta.get("topic"), "topic", warnings)
    summary = meta["summary"] if meta.get("summary") is not None else meta.get("description")
    fields["summary"] = _scalar(summary, "summary", warnings)
    # The loader keeps scalars as text (a date stays as written): 'true' is the YAML boolean.
    fields["sample"] = str(meta.get("sample", "")).strip().lower() in ("true", "yes")
    if slug := _scalar(meta.get("slug"), "slug", warnings):
        fields.update(slug=slug, slug_from=FRONT_MATTER)
    return fields


def _set(fields: dict[str, Any], name: str, value: str | None) -> None:
    if value is not None:
        fields[name] = value
        fields[f"{name}_from"] = FRONT_MATTER


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _scalar(value: object, name: str, warnings: list[str]) -> str | None:
    """A text value (numbers accepted as text); anything else is ignored with a warning."""
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return _common.collapse(str(value)) or None
    warnings.append(f"{name} in front matter is not text; ignored")
    return None


def _people(value: object, name: str, warnings: list[str]) -> str | None:
    """A name, a {name: ...} mapping, or a list of either, joined with ', '."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        entry = item.get("name") if isinstance(item, dict) else item
        text = _scalar(entry, name, warnings)
        if text:
            names.append(text)
    return ", ".join(_common.unique(names)) or None


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return _common.unique(value.split(","))
    if isinstance(value, list):
        return _common.unique(str(item) for item in value if isinstance(item, str | int | float))
    return ()


def _url(meta: dict[str, object], warnings: list[str]) -> str | None:
    for key in _URL_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        url = _common.http_url(value)
        if url is not None:
            return url
        warnings.append(f"non-http url {_as_text(value)[:80]!r} in front matter; url ignored")
    return None


def _render(body: str, source: str, warnings: list[str]) -> _common.Element:
    if not _affordable(body):
        warnings.append("too much inline markup for Markdown to read in time; shown as plain text")
        return _common.parse_fragment(_plain_html(body))
    try:
        html = _Renderer.shared().convert(body)
    except RecursionError as exc:
        _Renderer.shared.cache_clear()  # the instance may be left mid-document: start afresh
        raise SourceError(source, "markdown nested too deeply to read") from exc
    return _common.parse_fragment(html)


def _extensions() -> list[Any]:
    """The extensions "extra" stands for, made directly: named, each is looked up among the entry points of
    every installed package (importlib.metadata), which took two thirds of making the renderer (40 ms)."""
    import markdown.extensions.extra

    return [
        importlib.import_module(f"markdown.extensions.{name}").makeExtension()
        for name in markdown.extensions.extra.extensions
    ]


class _Renderer:
    """One Python-Markdown instance reused for every file, trying on each body only the inline patterns
    and block processors that can match in it.

    Building an instance with its extensions costs as much as converting a short article. And
    Python-Markdown tries every block processor on every paragraph and every inline pattern on every
    text, yet most news paragraphs hold no link, emphasis, heading, quote or table: those listed in
    ``_PATTERN_CHARACTERS`` and ``_BLOCK_CHARACTERS`` cannot match without one of their characters.
    """

    def __init__(self) -> None:
        import markdown

        self.markdown = markdown.Markdown(extensions=_extensions(), output_format="html")
        self.inline: Any = self.markdown.treeprocessors["inline"]
        self.all_patterns: Registry[Any] = self.markdown.inlinePatterns
        self.all_blocks: Registry[Any] = self.markdown.parser.blockprocessors
        self.subsets: dict[frozenset[str], tuple[Registry[Any], Registry[Any]]] = {}

    @staticmethod
    @functools.cache
    def shared() -> _Renderer:
        """The renderer of this process."""
        return _Renderer()

    def convert(self, body: str) -> str:
        """The body as HTML, exactly as ``markdown.markdown(body, extensions=..., output_format="html")``."""
        present = frozenset(char for char in _TRIGGERS if char in body)
        if present not in self.subsets:
            self.subsets[present] = (
                _needed(self.all_patterns, _PATTERN_CHARACTERS, present),
                _needed(self.all_blocks, _BLOCK_CHARACTERS, present),
            )
        self.markdown.reset()
        self.inline.inlinePatterns, self.markdown.parser.blockprocessors = self.subsets[present]
        return self.markdown.convert(body)


def _needed(registry: Registry[Any], characters: dict[str, str], present: frozenset[str]) -> Registry[Any]:
    """The registry's items in their order, less those that need a character not ``present``."""
    from markdown.util import Registry

    useless = {
        id(registry[name])
        for name, needed in characters.items()
        if name in registry and not any(char in present for char in needed)
    }
    kept: Registry[Any] = Registry()
    for position, item in enumerate(registry):
        if id(item) not in useless:
            kept.register(item, str(position), len(registry) - position)
    return kept


def _affordable(body: str) -> bool:
    """Whether Python-Markdown reads the body in a few seconds at most.

    Its inline pass rescans a paragraph for each link, tag, escape or emphasis it finds there, and scans
    on to the paragraph's end from each '[' and '<': the work grows with their number times the
    paragraph's length (50,000 '[' in one paragraph take eight minutes). And it takes each paragraph off the
    front of the list of all those left, and keeps each footnote reference on such a list too: that work
    grows with the square of their number.
    """
    if body.count("\n\n") + body.count("[^") > MAX_BLOCKS:
        return False
    if _inline(body) * len(body) <= INLINE_BUDGET:
        return True  # a bound on the sum below, which saves splitting ordinary articles into paragraphs
    work = sum(_inline(block) * len(block) for block in body.split("\n\n"))
    return work <= INLINE_BUDGET


def _inline(text: str) -> int:
    """How many inline marks and definition colons the text holds."""
    # Counted mark by mark: one pattern for both tries its every branch at every character.
    return sum(map(text.count, _INLINE_MARKS)) + len(_DEFINITION.findall(text))


def _plain_html(body: str) -> str:
    """Paragraphs as plain text; only '# Heading' lines are still headings, so the title is found."""
    parts = []
    for block in body.split("\n\n"):
        text = _common.collapse(block)
        heading = _ATX_HEADING.fullmatch(text)
        if heading:
            level = len(heading[1])
            parts.append(f"<h{level}>{html_lib.escape(heading[2])}</h{level}>")
        elif text:
            parts.append(f"<p>{html_lib.escape(text)}</p>")
    return "".join(parts)


def _title(
    meta: dict[str, object], root: _common.Element, warnings: list[str]
) -> tuple[str | None, str | None]:
    """The front matter's title, else a leading '# Heading'; a heading repeating the title is dropped."""
    title = _scalar(meta.get("title"), "title", warnings)
    if title is not None:
        _common.drop_leading_heading(root, title)
        return title, FRONT_MATTER
    heading = _common.drop_leading_heading(root, None, frozenset({"h1"}))
    return (heading, "markdown:h1") if heading else (None, None)
