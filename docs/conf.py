"""Sphinx configuration of the companion site (``make book``): executed notebooks rendered, never re-run.

Everything the pages load comes from the site itself: the theme's styles, scripts and icon font, and MathJax
(``sphinx-mathjax-offline`` copies MathJax 3 into ``_static/mathjax``); nothing is fetched from the network.
"""

project = "deblur-companion"
author = "deblur-companion contributors"
# sphinx-mathjax-offline's module name has hyphens: it is named as installed. It points mathjax_path at its
# local copy (_static/mathjax/tex-chtml.js) and copies that copy into the built site.
extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
# $...$ and $$...$$ in the pages and the notebooks' Markdown are formulas (so `_` inside them is a subscript,
# not emphasis), and \begin{align}... environments are too
myst_enable_extensions = ["dollarmath", "amsmath"]
# the notebooks put display formulas inside paragraphs ("... (Eq. 1):\n$$ y = k x + n $$\nClassical ..."): read them
myst_dmath_double_inline = True
# the notebooks were executed by `make reproduce`; the site shows their saved outputs
nb_execution_mode = "off"
# the notebooks' "What we found" cells display Markdown with tables and formulas: parse it as MyST, not CommonMark
nb_render_markdown_format = "myst"
# what the runs wrote to stderr is progress bars and warnings for whoever ran them; the executed notebooks keep it
nb_output_stderr = "remove"
# widget state is saved in the notebooks, but its JavaScript would come from a CDN: leave it out,
# so that the site loads with no network and no console error (the figures are static images)
nb_ipywidgets_js = {}
myst_heading_anchors = 3
html_theme = "sphinx_book_theme"
html_title = "deblur-companion"
# browsers ask every site for an icon; without one, each first visit logs a 404 in the console
html_favicon = "favicon.svg"
html_static_path = ["_static"]
html_css_files = ["companion.css"]
html_theme_options = {
    # no links to forges, no launch buttons (Binder, Colab, JupyterHub), no icon links, no analytics, no
    # version switcher and no ads: each would point at, or load from, another host
    "launch_buttons": {},
    "use_repository_button": False,
    "use_issues_button": False,
    "use_source_button": False,
    "use_edit_page_button": False,
    "icon_links": [],
    "analytics": {},
    "primary_sidebar_end": [],
    "show_version_warning_banner": False,
    # the download button offers the page's source (the executed notebook) and print to PDF, both local
    "use_download_button": True,
    "use_fullscreen_button": True,
    # the sidebar has the search field; the header would repeat it (pydata-sphinx-theme's default)
    "navbar_persistent": [],
    "home_page_in_toc": False,
    "show_toc_level": 2,
    # the landing page's verdict table needs the width that the page's own contents column would take
    "secondary_sidebar_items": {"**": ["page-toc"], "index": []},
    "navigation_with_keys": False,
    "extra_footer": "Built by <code>make book</code> from the committed executed notebooks; nothing was re-run.",
}
# the theme's script logs a console error on a first visit when no colour mode is set; the figures are drawn on
# white, so the site opens light (the switcher in the header still offers dark)
html_context = {"default_mode": "light"}
exclude_patterns = ["_build", "figures/**", "benchmarks/**"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "myst.xref_missing"]

# Tables that the notebooks display as HTML carry formulas between single dollars (as in "DIS flow, $I_B$ -> $I_S$"),
# which Jupyter typesets. MyST tells MathJax to look only inside the elements it marks as math; here MathJax is also
# let into those HTML outputs, where it reads $...$ as Jupyter does. Inline math elsewhere is MyST's \(...\) markup.
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"], ["$", "$"]]}}
HTML_OUTPUT_CLASS = "text_html"


def _typeset_html_outputs(app):
    options = app.config.mathjax3_config.setdefault("options", {})
    classes = options.get("processHtmlClass", "math")
    if HTML_OUTPUT_CLASS not in classes.split("|"):
        options["processHtmlClass"] = f"{classes}|{HTML_OUTPUT_CLASS}"


def setup(app):
    # after MyST's own adjustment of the same option (at the default priority, 500)
    app.connect("builder-inited", _typeset_html_outputs, priority=900)
