"""Packaging for healthcrawl, also used by ``scrapyd-deploy`` to build the egg.

The package list is explicit: the top-level ``spiders`` and ``pipelines`` packages are generic
names, so they are listed (and ``tests`` is excluded) by hand rather than found.
"""

from setuptools import setup

setup(
    name="healthcrawl",
    version="0.1.0",
    description="Crawl Chinese mainstream media for health big-data and health-policy news",
    python_requires=">=3.10",
    packages=[
        "healthcrawl",
        "healthcrawl.cli",
        "healthcrawl.cli.scrapy_commands",
        "healthcrawl.crawl",
        "healthcrawl.crawl.extractors",
        "healthcrawl.crawl.middlewares",
        "healthcrawl.desk",
        "healthcrawl.data",
        "healthcrawl.demo",
        "healthcrawl.ops",
        "healthcrawl.reports",
        "healthcrawl.storage",
        "healthcrawl.text",
        "spiders",
        "pipelines",
    ],
    package_data={
        "healthcrawl.data": ["*.txt", "*.json"],
        "healthcrawl.demo": ["manifest.json", "archive/**/*"],
        "healthcrawl.desk": ["templates/*.html", "static/*"],
    },
    include_package_data=False,
    zip_safe=False,
    install_requires=[
        line.split("#")[0].strip()
        for line in open("requirements.txt", encoding="utf-8")
        if line.split("#")[0].strip()
    ],
    entry_points={
        "scrapy": ["settings = healthcrawl.settings"],
        "console_scripts": ["healthcrawl = healthcrawl.cli.main:main"],
    },
)
