"""Sphinx configuration of the companion site (``make book``): executed notebooks rendered, never re-run."""

project = "deblur-companion"
author = "deblur-companion contributors"
extensions = ["myst_nb"]
# the notebooks were executed by `make reproduce`; the site shows their saved outputs
nb_execution_mode = "off"
# widget state is saved in the notebooks, but its JavaScript would come from a CDN: leave it out,
# so that the site loads with no network and no console error (the figures are static images)
nb_ipywidgets_js = {}
myst_heading_anchors = 3
html_theme = "alabaster"
html_title = "deblur-companion"
# browsers ask every site for an icon; without one, each first visit logs a 404 in the console
html_favicon = "favicon.svg"
html_theme_options = {"description": "A runnable companion to three image-deblurring papers", "page_width": "1200px"}
exclude_patterns = ["_build", "figures/**"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "myst.xref_missing"]
