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
    problems = "\n".join(caught.value.problems)
    assert "site.title must be str" in problems
    assert "unknown key site.colour" in problems
    assert "summary.sentences must be int" in problems
    assert "unknown section [extra]" in problems
    assert "build.source: folder not found" in problems
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[summary]\nsentences = 0\n", "summary.sentences must be between 1 and 20"),
        ("[summary]\nsentences = true\n", "summary.sentences must be int"),
        ('[site]\nbase_url = "example.org"\n', "site.base_url must start with http"),
        (
            '[site]\nbase_url = "https://x.example/?q=1"\n',
            "site.base_url must not hold a query or a fragment",
        ),
        (
            '[site]\nbase_url = "https://x.example/news#top"\n',
            "site.base_url must not hold a query or a fragment",
        ),
        (
            '[site]\nbase_url = "https://x.example/my news"\n',
            "site.base_url must be a web address without spaces",
        ),
        ('[site]\nbase_url = "https:///news"\n', "site.base_url must be a web address without spaces"),
        ('[site]\ntemplates = "nope"\n', "site.templates: folder not found"),
        ("[site\n", "not valid TOML"),
        ('[[topics]]\nname = "X"\n', "topics #1.keywords must be a non-empty list"),
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
