"""The editors' desk: a small web application over the project's MongoDB where the week's
candidates are reviewed, picked, ordered, rejected or rescued, and the bulletin is previewed and
downloaded (``healthcrawl desk``; README "The editors' desk").

Modules: config (settings), users (accounts, passwords, login slow-down), web (sessions, CSRF,
roles, headers), week (the candidates), picks (pick/order/reject/rescue/undo, labels), nearmiss
(articles dropped as irrelevant), issue (the bulletin through healthcrawl.reports), health
(crawl runs and the articles-per-day chart), views and app (the pages and routes), sample (a
sample week for tests, the benchmark and screenshots).
"""
