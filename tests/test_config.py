"""digest.toml: defaults, validation with every problem reported at once, and the README kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import SETTINGS, Config, load
from digest.errors import ConfigError
from tests.conftest import REPO


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    config = load(None, tmp_path)
    assert config == Config(
        source=tmp_path / "articles", output=tmp_path / "site", cache=tmp_path / ".digest-cache"
    )


def test_the_config_is_found_in_the_nearest_folder_above(tmp_path: Path) -> None:
    from digest.config import find

    path = write(tmp_path, '[build]\nsource = "articles"\n')
    inner = tmp_path / "articles" / "2024" / "april"
    inner.mkdir(parents=True)
    assert find(inner) == find(tmp_path) == path
    assert find(tmp_path.parent) is None or find(tmp_path.parent) != path


def test_values_and_paths_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "theme").mkdir()
    path = write(
        tmp_path,
        '[site]\ntitle = "Morning"\nbase_url = "https://example.org/news/"\ntemplates = "theme"\n'
        '[build]\nsource = "articles"\noutput = "public"\n[summary]\nsentences = 2\n'
        '[[topics]]\nname = "Middle East"\nkeywords = ["Gaza", "Israel"]\n',
    )
    config = load(path, Path("/elsewhere"))
    assert config.title == "Morning"
    assert config.base_url == "https://example.org/news"
    assert config.templates == tmp_path / "theme"
    assert (config.source, config.output) == (tmp_path / "articles", tmp_path / "public")
    assert config.sentences == 2
    assert config.topics[0].name == "Middle East" and config.topics[0].keywords == ("Gaza", "Israel")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[site]\ntitle = 3\ncolour = "red"\n[build]\nsource = "missing"\n[summary]\nsentences = "three"\n'
        "[extra]\nx = 1\n",
    )
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    assert caught.value.problems == [
        '`[site] title` must be text, like "News Digest"',
        "unknown key `colour` in [site] (expected one of: title, base_url, templates)",
        "`[summary] sentences` must be a whole number, like 3",
        "unknown section [extra] (expected one of: build, feeds, fetch, group, publish, serve, site, summary, "
        "topics)",
        f"`[build] source`: folder not found: {tmp_path / 'missing'}",
    ]
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[summary]\nsentences = 0\n", "`[summary] sentences` must be between 1 and 20, got 0"),
        ("[summary]\nsentences = true\n", "`[summary] sentences` must be a whole number, like 3"),
        ("[summary]\nsentences = 2.5\n", "`[summary] sentences` must be a whole number, like 3"),
        ('[site]\ntitle = ["A", "B"]\n', '`[site] title` must be text, like "News Digest"'),
        ("[site]\nbase_url = 1\n", '`[site] base_url` must be text, like "https://example.org/news"'),
        ('[fetch]\ntimeout = "20"\n', "`[fetch] timeout` must be a number, like 20"),
        ("[fetch]\nbackoff = false\n", "`[fetch] backoff` must be a number, like 1"),
        ('[fetch]\nallow_hosts = "x"\n', '`[fetch] allow_hosts` must be a list of text, in brackets: ["x"]'),
        (
            "[fetch]\nallow_hosts = 3\n",
            '`[fetch] allow_hosts` must be a list of text, like ["intranet.example"]',
        ),
        ('[serve]\nport = "8000"\n', "`[serve] port` must be a whole number, like 8000"),
        ('site = "x"\n[build]\nsource = "articles"\n', '`[site]` must be a section of settings, not "x"'),
        (
            '[site]\nbase_url = "example.org"\n',
            '`[site] base_url` must start with http:// or https://, got "example.org"',
        ),
        (
            '[site]\nbase_url = "https://x.example/?q=1"\n',
            "`[site] base_url` must not hold a query or a fragment",
        ),
        (
            '[site]\nbase_url = "https://x.example/news#top"\n',
            "`[site] base_url` must not hold a query or a fragment",
        ),
        (
            '[site]\nbase_url = "https://x.example/my news"\n',
            "`[site] base_url` must be a web address without spaces",
        ),
        (
            '[site]\nbase_url = "https:///news"\n',
            '`[site] base_url` must name a host, like https://example.org/news, got "https:///news"',
        ),
        (
            '[site]\nbase_url = "http://"\n',
            '`[site] base_url` must name a host, like https://example.org/news, got "http://"',
        ),
        ('[site]\ntemplates = "nope"\n', "`[site] templates`: folder not found"),
        ('[group]\nunmatched = "none"\n', '`[group] unmatched` must be "other" or "discover", got "none"'),
        ("[site\n", "not valid TOML"),
        (
            '[[topics]]\nname = "X"\n',
            '`[[topics]]` number 1: keywords must be a list of text, like ["Gaza", "Israel"]',
        ),
        ('topics = "Gaza"\n[build]\nsource = "articles"\n', "`topics` must be [[topics]] tables"),
    ],
)
def test_single_problems(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, '[build]\nsource = "articles"\n' + text if "[build]" not in text else text)
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    assert expected in str(caught.value)


def test_a_config_file_that_is_not_utf8_is_one_problem_and_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    path = tmp_path / "digest.toml"
    path.write_bytes(b'[site]\ntitle = "caf\xe9"\n[build]\nsource = "articles"\n')
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    assert "not valid UTF-8 (byte 20)" in str(caught.value)
    path.write_bytes(b'\xef\xbb\xbf[site]\ntitle = "Caf\xc3\xa9"\n[build]\nsource = "articles"\n')
    assert load(path, tmp_path).title == "Café"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        row = f"| `{setting.section}.{setting.key}` |"
        assert row in readme, f"README configuration table lacks {row}"


def test_feed_problems_are_said_in_the_terms_of_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[feeds]]\nname = "World"\n'
        '[[feeds]]\nurl = "http://"\n'
        '[[feeds]]\nurl = "example.org/rss.xml"\n'
        '[[feeds]]\nurl = "https://example.org/rss.xml"\n'
        '[[feeds]]\nurl = "https://example.org/rss.xml"\n'
        '[[feeds]]\nurl = "https://example.org/b"\nname = ""\nfull_text = "yes"\ncolour = 1\n',
    )
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    bad_url = "url must be an http:// or https:// address, like https://example.org/rss.xml"
    assert caught.value.problems == [
        "`[[feeds]]` number 1 has no `url`",
        f"`[[feeds]]` number 2: {bad_url}",
        f"`[[feeds]]` number 3: {bad_url}",
        "`[[feeds]]` number 5: url repeats feed number 4: https://example.org/rss.xml",
        "`[[feeds]]` number 6: unknown key `colour` (expected url, name, full_text)",
        "`[[feeds]]` number 6: name must not be empty (leave it out to name the feed after its site)",
        "`[[feeds]]` number 6: full_text must be true or false",
    ]
