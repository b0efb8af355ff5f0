"""The site registry's channel vocabulary: one set of terms for every site, the site's label kept."""

from __future__ import annotations

import pytest

from healthcrawl.crawl.sites import CHANNELS, DEFAULT_CHANNEL, SITES, channel_of


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_label_of_a_site_maps_into_the_one_vocabulary(site):
    assert SITES[site].channels, f"{site} declares no channel labels"
    assert set(SITES[site].channels.values()) <= set(CHANNELS)


@pytest.mark.parametrize("site, label, term", [
    ("gmw", "要闻时评", "health"), ("chinanews", "jk", "health"), ("chinanews", "健康", "health"),
    ("ce", "gdxw", "policy"), ("ce", "health/news", "health"), ("cnii", "zcfg", "policy"),
])
def test_site_labels_map_to_their_terms(site, label, term):
    assert channel_of(site, label) == term


def test_an_unknown_label_is_news_and_no_label_is_none():
    assert channel_of("cnii", "第03版") == DEFAULT_CHANNEL == "news"
    assert channel_of("gmw", None) is None
    assert channel_of("somewhere-else", "jk") == "jk"  # a site the registry does not know keeps its label
