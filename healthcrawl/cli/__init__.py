"""The ``healthcrawl`` command (one module per command) and Scrapy's command overrides
(``scrapy_commands``, the project's ``COMMANDS_MODULE``)."""
