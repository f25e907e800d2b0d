"""The package version and the releases whose reports this version can verify."""

__version__ = "0.2.0"

#: Every released engine version whose reports use the draw format ``opendlp-selection/v1``
#: (the byte format pinned by tests/selection/vectors/draw_v1.json). A report naming any other
#: version fails verification: the version is part of the evidence, not a free-text label.
#: 0.2.0 draws from the pool in canonical (id) order; 0.1.0 used the order of the input rows.
RELEASES = ("0.1.0", "0.2.0")
