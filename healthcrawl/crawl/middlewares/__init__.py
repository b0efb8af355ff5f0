"""Downloader middlewares: replay/record, charset repair, 491 slow-down."""
