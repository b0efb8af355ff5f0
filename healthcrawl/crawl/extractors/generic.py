"""The generic fallback: the last template of every site, matching any page.

The body and the fields come from the density extractor (:mod:`.density`, measured against
trafilatura and GNE by ``bench/extraction.py``), which parses the page itself (the response's
selector is left for the site's ``after_fallback``); the body then gets the boilerplate rule set
of the templates. Items
read here carry ``template = "fallback"``, counted per site, so a template change is visible.
"""

from __future__ import annotations

from scrapy.http import TextResponse

from healthcrawl.article import to_beijing
from healthcrawl.crawl.extractors.base import Extracted, Template
from healthcrawl.crawl.extractors.density import extract_article
from healthcrawl.text.boilerplate import clean_paragraphs

FALLBACK = "fallback"


class GenericTemplate(Template):
    name = FALLBACK
    fallback = True

    def matches(self, response: TextResponse) -> bool:
        return True

    def extract(self, response: TextResponse) -> Extracted:
        article = extract_article(response.text, response.url)
        result = Extracted(template=FALLBACK)
        how = {name: f"{FALLBACK}:{way}" for name, way in article.how.items()}
        paragraphs, editor = clean_paragraphs(article.paragraphs)
        result.put("paragraphs", paragraphs, f"{FALLBACK}:density")
        result.put("title", article.title, how.get("title", FALLBACK))
        if article.published_at is not None:
            result.put("published_at", to_beijing(article.published_at), how["published_at"])
        result.put("source", article.source, how.get("source", FALLBACK))
        result.put("editor", article.editor, how.get("editor", FALLBACK))
        result.put("editor", editor, f"{FALLBACK}:editor-line")
        result.put("keywords", article.keywords, how.get("keywords", FALLBACK))
        return result


#: the fallback every site's ``templates`` end with
FALLBACK_TEMPLATE = GenericTemplate()
