"""News in other scripts (Chinese, Japanese, Hindi, Arabic, Russian) is read, split, titled, summarized and
searched: the saved pages and text files in tests/pages, built end to end."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from digest.models import Article
from digest.read.normalize import normalize, slugify
from digest.read.readers import reader_for
from digest.render.search import article_words
from digest.render.search import words as search_words
from tests.conftest import node_search

PAGES = Path(__file__).resolve().parent / "pages"
Builder = Callable[..., tuple[Any, dict[str, Any]]]

TITLES = {
    "zh-metro.html": "杭州地铁十号线北段开通运营 日均客流预计超过二十万人次",
    "zh-rain.txt": "广东多地遭遇强降雨 部分地区启动防汛四级应急响应",
    "ja-power.html": "東京都、猛暑で節電要請へ 夏の電力需給ひっ迫に備え",
    "ja-trains.md": "北陸新幹線、金沢―敦賀間が開業 関西方面への所要時間が短縮",
    "hi-monsoon.html": "मानसून ने केरल में दी दस्तक, मौसम विभाग ने सामान्य से अधिक बारिश का अनुमान जताया",
    "ar-water.html": "افتتاح أكبر محطة لتحلية المياه في المنطقة بطاقة مليون متر مكعب يوميا",
    "ru-budget.html": "Правительство внесло в Госдуму проект бюджета на три года",
    # Pages laid out in tables, paragraphs parted by <br><br>; one labelled gb2312 and written in GBK.
    "zh-cpi-gbk.html": "5月份全国居民消费价格同比上涨0.3%",
    "hi-rail-table.html": "पटना में नई मेट्रो लाइन का परीक्षण सफल, अक्टूबर से यात्री सेवा शुरू होने की उम्मीद",
}
LEADS = {
    "zh-metro.html": "杭州地铁十号线北段28日上午正式开通运营，线路全长约十四公里，共设车站十一座，"
    "连接城北的新兴居住区与市中心的主要商业区。",
    "zh-rain.txt": "受强对流天气影响，广东省中北部多地3日出现暴雨到大暴雨，局部地区累计降雨量超过二百毫米。",
    "ja-power.html": "東京都は十日、今夏の記録的な猛暑により電力需要が急増する恐れがあるとして、"
    "都内の企業や家庭に対して節電への協力を呼びかける方針を明らかにした。",
    "ja-trains.md": "北陸新幹線の金沢―敦賀間が十六日、開業した。",
    "hi-monsoon.html": "भारत मौसम विज्ञान विभाग ने शनिवार को घोषणा की कि दक्षिण-पश्चिम मानसून ने केरल के तट पर दस्तक दे दी है, "
    "जो सामान्य तारीख से लगभग एक सप्ताह देर से पहुंचा है।",
    "ar-water.html": "افتتحت الحكومة يوم الثلاثاء أكبر محطة لتحلية مياه البحر في المنطقة، بطاقة إنتاجية تصل إلى مليون متر "
    "مكعب يوميا، في خطوة تهدف إلى تلبية الطلب المتزايد على المياه في المدن الساحلية.",
    "ru-budget.html": "Правительство в понедельник внесло в Государственную думу проект федерального бюджета на "
    "2025 год и плановый период 2026–2027 годов.",
    "zh-cpi-gbk.html": "国家统计局3日发布数据显示，5月份全国居民消费价格同比上涨0.3%，涨幅与上月持平。",
    "hi-rail-table.html": "पटना मेट्रो रेल निगम ने बुधवार को बताया कि शहर की पहली मेट्रो लाइन के प्राथमिक खंड पर "
    "ट्रेन का परीक्षण सफलतापूर्वक पूरा कर लिया गया है।",
}
# How many sentences each article's text splits into (counted by hand at the sentence ends).
SENTENCES = {
    "zh-metro.html": 12,
    "zh-rain.txt": 9,
    "ja-power.html": 9,
    "ja-trains.md": 10,
    "hi-monsoon.html": 11,
    "ar-water.html": 9,
    "ru-budget.html": 12,
    "zh-cpi-gbk.html": 5,
    "hi-rail-table.html": 8,
}


def article(name: str) -> Article:
    """One page of tests/pages, read and normalized as a build does."""
    path = PAGES / name
    reader = reader_for(path.suffix)
    assert reader is not None
    [raw] = reader(path.read_bytes(), name)
    return normalize(raw)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any], Path]:
    """The pages built into a site once: the build's result, its digest.json and the site folder."""
    from digest import config as config_module
    from digest.commands.build import build

    root = tmp_path_factory.mktemp("scripts")
    source = root / "src"
    shutil.copytree(PAGES, source)
    config = config_module.Config(source=source, output=root / "site")
    result = build(config, environ={})
    digest = json.loads((root / "site" / "digest.json").read_text(encoding="utf-8"))
    return result, digest, root / "site"


def test_every_page_is_read_without_a_warning(built: tuple[Any, dict[str, Any], Path]) -> None:
    result, digest, _ = built
    assert result.issues == ()
    assert digest["skipped"] == []
    assert sorted(a["source"] for a in digest["articles"]) == sorted(TITLES)


@pytest.mark.parametrize("name", sorted(TITLES))
def test_each_article_has_its_title_and_a_summary_opening_with_its_lead(
    name: str, built: tuple[Any, dict[str, Any], Path]
) -> None:
    _, digest, _ = built
    [entry] = [a for a in digest["articles"] if a["source"] == name]
    assert entry["title"] == TITLES[name]
    assert len(entry["summary"]) == 3
    assert entry["summary"][0] == LEADS[name]
    sentences = list(article(name).sentences)
    assert all(sentence in sentences for sentence in entry["summary"])


@pytest.mark.parametrize("name", sorted(SENTENCES))
def test_each_article_splits_at_its_sentence_ends(name: str) -> None:
    sentences = list(article(name).sentences)
    assert len(sentences) == SENTENCES[name]
    assert sentences[0] == LEADS[name]
    assert all(sentence[-1] in ".。！？।؟”」" for sentence in sentences)


def test_a_chinese_quotation_of_two_sentences_stays_one_sentence_with_its_speaker() -> None:
    sentences = list(article("zh-metro.html").sentences)
    assert (
        "家住北部新城的李女士说：“以前每天早上要先坐公交再换乘地铁，路上很容易堵车。现在家门口就有站，上班方便多了！”"
        in sentences
    )
    assert "一些沿线商户也表示，地铁开通后客流明显增加，他们对未来的生意充满信心。" in sentences


def test_a_japanese_quotation_stays_whole() -> None:
    sentences = list(article("ja-power.html").sentences)
    assert (
        "都の担当者は「節電と熱中症対策の両立が大切だ。一人ひとりができる範囲で協力してほしい」と話している。"
        in sentences
    )


def test_an_arabic_question_ends_its_sentence() -> None:
    sentences = list(article("ar-water.html").sentences)
    assert "هل يكفي ذلك لسد العجز المائي؟" in sentences


def test_page_chrome_and_newsroom_lines_are_not_text() -> None:
    metro = article("zh-metro.html")
    assert metro.author == "王晓明"
    assert "责任编辑" not in metro.text
    assert not any(word in metro.text for word in ("首页", "相关新闻", "版权所有"))
    power = article("ja-power.html")
    assert power.removed == ("2024年7月10日 18時00分",)
    assert "アクセスランキング" not in power.text


def test_a_page_laid_out_in_tables_gives_its_paragraphs_and_not_its_chrome() -> None:
    # Trafilatura finds these pages' text inside tables (once as stray rows), which were left out as data.
    cpi = article("zh-cpi-gbk.html")
    assert len(cpi.paragraphs) == 3  # parted by <br><br>
    assert "朱镕" in cpi.text  # a GBK character in a page labelled gb2312
    assert "2024年06月03日 09:30 来源：城市新闻网" in cpi.removed and "（责任编辑：李娜）" in cpi.removed
    assert not any(word in cpi.text for word in ("首页", "热点新闻", "关于我们"))
    rail = article("hi-rail-table.html")
    assert len(rail.paragraphs) == 3
    assert rail.paragraphs[0].startswith("पटना मेट्रो रेल निगम")  # not glued to the headline
    assert "ताजा खबरें" not in rail.text


def test_a_devanagari_byline_is_not_cut_short() -> None:
    # Trafilatura's guess cuts the vowel signs off names ('संवाददात'); the page never shows that.
    assert article("hi-monsoon.html").author is None


def test_a_chinese_date_line_dates_a_text_file() -> None:
    rain = article("zh-rain.txt")
    assert rain.date == "2024-05-03"
    assert rain.paragraphs[0].startswith("受强对流天气影响")


def test_word_counts_count_chinese_and_japanese_by_pairs_of_characters() -> None:
    # About one word per two characters, as Chinese and Japanese words run one to three.
    metro = article("zh-metro.html")
    characters = sum(1 for char in metro.text if "\u4e00" <= char <= "\u9fff")
    assert characters // 2 - 10 <= metro.words <= characters // 2 + 40
    assert article("hi-monsoon.html").words == len(article("hi-monsoon.html").text.split())


def test_article_pages_of_titles_in_other_scripts_have_valid_distinct_paths(
    built: tuple[Any, dict[str, Any], Path],
) -> None:
    _, digest, site = built
    pages = [a["page"] for a in digest["articles"]]
    assert len(set(pages)) == len(pages)
    for page in pages:
        # Pages are named after their files (stable permalinks), whatever script the headline is in.
        assert page.isascii() and page.startswith("articles/") and page.endswith(".html")
        assert (site / page).is_file()


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("5月份全国居民消费价格同比上涨0.3%", "article"),  # not '50-3', its digits glued
        ("Правительство внесло в Госдуму проект бюджета", "article"),
        ("मानसून ने केरल में दी दस्तक", "article"),
        ("Xi Jinping (习近平) visits Paris", "xi-jinping-visits-paris"),
        ("Israel’s war: Café crème", "israels-war-cafe-creme"),
    ],
)
def test_a_title_mostly_in_another_script_gets_no_made_up_slug(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_search_finds_articles_by_a_word_or_a_pair_of_characters_of_their_titles() -> None:
    assert search_words("杭州地铁十号线") == ["杭州", "州地", "地铁", "铁十", "十号", "号线"]
    assert search_words("B型列车") == ["b", "型列", "列车"]
    metro = article_words(article("zh-metro.html")).split()
    assert {"地铁", "十号", "号线", "2027"} <= set(metro)
    # A run of Chinese longer than a word may be is still indexed, pair by pair.
    assert all(len(word) <= 32 for word in metro)
    power = article_words(article("ja-power.html")).split()
    assert {"東京", "節電"} <= set(power)
    monsoon = article_words(article("hi-monsoon.html")).split()
    assert set(search_words("मानसून केरल")) <= set(monsoon)
    budget = article_words(article("ru-budget.html")).split()
    assert {"госдуму", "бюджета"} <= set(budget)


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed: the browser-side engine is not run"
)
def test_the_browser_engine_finds_them_too(built: tuple[Any, dict[str, Any], Path], tmp_path: Path) -> None:
    site = built[2]
    queries = ["地铁", "十号线", "地", "東京都", "節電", "मानसून", "केरल", "Госдуму", "محطة", "kerala"]
    found = node_search(site, queries, 1, tmp_path, words="杭州地铁十号线 B型列车 मानसून")
    assert found["words"] == search_words("杭州地铁十号线 B型列车 मानसून")
    assert found["地铁"] == found["十号线"] == [TITLES["zh-metro.html"]]
    assert TITLES["zh-metro.html"] in found["地"]  # one character finds the pairs it begins
    assert found["東京都"] == found["節電"] == [TITLES["ja-power.html"]]
    assert found["मानसून"] == found["केरल"] == [TITLES["hi-monsoon.html"]]
    assert found["Госдуму"] == [TITLES["ru-budget.html"]]
    assert found["محطة"] == [TITLES["ar-water.html"]]
    assert found["kerala"] == []
