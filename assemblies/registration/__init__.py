"""The public registration pages of an assembly (issue 5).

``forms`` builds the form from the assembly's categories and quotas, ``protection`` holds the
bot and abuse checks (honeypot, minimum fill time, rate limits), ``tokens`` the signed links
sent by email, ``services`` the writes (register, confirm, withdraw, erase, send the email),
``selectors`` the reads, and ``views`` the pages under ``/a/<slug>/``.
"""
