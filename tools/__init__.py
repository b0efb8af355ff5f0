"""Developer tools of the repository; not part of the installed package (setup.py lists no tools.*)."""
