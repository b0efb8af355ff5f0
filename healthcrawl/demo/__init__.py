"""The bundled offline demo archive: one week of invented articles on the four sites, in each
site's markup, laid out as a replay mirror (``archive/<host>/<path>``) with ``manifest.json``.

Package data only; the generator lives outside the package, in ``tools/sitegen``.
"""
