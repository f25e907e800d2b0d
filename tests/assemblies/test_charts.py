"""The server-side SVG charts of the run page and report."""

from assemblies.charts import category_chart_svg
from assemblies.selectors.run_figures import CategoryFigures, ValueFigures


def _figures(category='age <16> & "old"'):
    return CategoryFigures(
        category=category,
        panel_total=10,
        pool_total=40,
        values=[
            ValueFigures("young", 2, 4, 10, 3, 0.2, 0.4, 0.25, 0.3),
            ValueFigures("<b>old</b>", 6, 8, 30, 5, 0.6, 0.8, 0.75, 0.5),
        ],
    )


def test_category_chart_svg_shows_every_value_target_pool_and_panel():
    svg = str(category_chart_svg(_figures(), chart_id="c1"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">' in svg and '<desc id="c1-desc">' in svg
    assert "young: target 20% to 40%, pool 25%, panel 3 (30%)" in svg
    assert "3 (30%)" in svg and "5 (50%) not met" in svg


def test_category_chart_svg_escapes_names_and_has_no_script():
    svg = str(category_chart_svg(_figures(), chart_id="c1"))
    assert "age &lt;16&gt; &amp; &quot;old&quot;" in svg or "age &lt;16&gt; &amp; &#x27;" in svg
    assert "<b>" not in svg and "&lt;b&gt;old&lt;/b&gt;" in svg
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
