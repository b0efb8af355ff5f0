"""The bundled offline demo archive: one week of invented articles on the four sites, in each
site's markup, laid out as a replay mirror (``archive/<host>/<path>``) with ``manifest.json``.

Regenerate with ``python -m healthcrawl.demo.build``; the texts are in :mod:`healthcrawl.demo.articles`.
"""
