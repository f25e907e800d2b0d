"""The public registration pages of an assembly.

``forms`` builds the form from the assembly's categories and quotas, ``protection`` holds the
bot and abuse checks (honeypot, minimum fill time, rate limits), ``views`` the pages under
``/a/<slug>/`` and ``/r/<code>``, ``links`` the pages of the signed confirm / withdraw / erase
links, ``csrf`` the CSRF failure view, and ``rendering`` what those views share. Their writes
are :mod:`assemblies.services.registration` and :mod:`assemblies.services.registrants`, their
reads :mod:`assemblies.selectors.registration`, and the signed links :mod:`assemblies.tokens`.
"""
