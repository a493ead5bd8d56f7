"""The executive meeting pack: plan, strategy, scenarios and decisions on a few pages.

:mod:`snop.report.pack` turns frames into the template's context (pure: pandas only);
the template ``templates/pack.html.j2`` lays it out as one self-contained HTML page.
"""
