"""`dativo plan`: what a change does to the compiled project, for the reviewer of a pull request.

The two sides (`sides.py`: the base read with git or from a directory, the head from the work tree) are
compiled in memory with this dativo; `report.py` diffs their typed plans and artifacts into one plain,
JSON-shaped report (fields generically over the plan models, so a new plan field shows up without code
here), with fire times from `runtime/cron.py` (`fires.py`) and the per-tenant prerequisites
(`prereqs.py`); `render_text.py`, `render_markdown.py` and `render_json.py` print that one report.
"""
