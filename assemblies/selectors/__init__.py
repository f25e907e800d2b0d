"""Reads of the assemblies context, one module per family: ``assemblies`` (assemblies, quotas,
pools, feasibility), ``runs`` (runs and their reports), ``previews`` (import previews) and
``registration`` (the public pages). Nothing here writes."""
