"""Pages in the four sites' markup, for the offline demo archive and the benchmark corpus.

One module per site markup (:mod:`.gmw`, :mod:`.chinanews`, :mod:`.ce`, :mod:`.cnii`) over the
shared helpers of :mod:`.markup`; :mod:`.demo` writes the demo archive (package data of
``healthcrawl.demo``) from the stories in ``stories/*.toml``; :mod:`.bulk` synthesises the large
corpus that ``bench/corpus.py`` writes.
"""
