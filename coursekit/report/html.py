"""The class report as one self-contained HTML page, in English and 繁體中文.

Everything is inside the file: the style in a <style> element, the figures as
base64 PNG `data:` images; no script, no web font, no stylesheet or image from
anywhere else, and no link but those to the page's own sections. It opens offline,
from formgrader's folder or straight in a browser. Every text the page shows is
escaped; the student's code is shown as text, never run.
"""

import base64
import datetime
import html
import statistics

from coursekit import grades
from coursekit.report import similarity
from coursekit.report.text import both

SHOWN_MESSAGES = 5  # per test cell
SHOWN_PAIRS = 30
OPEN_PAIRS = 3  # shown side by side at once; the others open with a click

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans TC",
       "Microsoft JhengHei", "PingFang TC", sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; line-height: 1.45; color: #1d2733; }
h1, h2, h3 { line-height: 1.2; }
h2 { border-bottom: 1px solid #cfd6de; padding-bottom: .2em; margin-top: 2em; }
.zh { display: block; font-size: .8em; color: #46535f; font-weight: normal; }
p.zh { display: block; font-size: .95em; margin-top: -.6em; }
nav a { margin-right: 1em; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5em 0 1.2em; width: 100%; }
th, td { border-bottom: 1px solid #e1e6eb; padding: .3em .6em; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { background: #f3f5f7; }
td.count { text-align: right; font-weight: bold; width: 5em; }
td.who { font-size: .85em; color: #46535f; width: 30%; }
td.message span { white-space: pre-wrap; }
td.message .zh { font-size: .9em; }
.muted { color: #5d6b78; font-size: .9em; }
details { border: 1px solid #cfd6de; border-radius: 4px; margin: .6em 0; padding: .3em .6em; }
summary { cursor: pointer; font-weight: bold; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: .8em; }
.side h4 { margin: .4em 0; }
pre { background: #f7f8fa; border: 1px solid #e1e6eb; padding: .6em; overflow-x: auto;
      font-size: .85em; white-space: pre-wrap; overflow-wrap: anywhere; }
mark.same { background: #ffe28a; }
"""


def esc(text):
    return html.escape(str(text), quote=True)


def heading(level, key, anchor=None, **values):
    english, chinese = both(key, **values)
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return (
        f'<h{level}{ident}><span lang="en">{esc(english)}</span>'
        f'<span class="zh" lang="zh-Hant-TW">{esc(chinese)}</span></h{level}>'
    )


def paragraph(key, css="", **values):
    english, chinese = both(key, **values)
    extra = f" {css}" if css else ""
    return (
        f'<p class="en{extra}" lang="en">{esc(english)}</p>'
        f'<p class="zh{extra}" lang="zh-Hant-TW">{esc(chinese)}</p>'
    )


def inline(key, **values):
    """Both languages in one line (a table cell, a summary)."""
    english, chinese = both(key, **values)
    return f'<span lang="en">{esc(english)}</span> · <span lang="zh-Hant-TW">{esc(chinese)}</span>'


def image(png, key):
    english, chinese = both(key)
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(english)} {esc(chinese)}">'
        "</figure>"
    )


def who(report, student):
    name = report.names.get(student, "")
    return f"{student} {name}".strip()


def header(report):
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        heading(1, "title", assignment=report.assignment),
        paragraph("made", "muted", when=when, folder=report.folder),
        paragraph("summary", students=report.students, graded=len(report.scores)),
    ]
    if report.manual_pending:
        parts.append(paragraph("pending", n=report.manual_pending))
    parts.append(paragraph("offline", "muted"))
    links = [("scores", "scores"), ("passes", "passes"), ("failures", "failures")]
    links += [("flagged", "flagged"), ("pairs", "pairs")]
    parts.append("<nav>" + "".join(f'<a href="#{a}">{inline(k)}</a>' for a, k in links) + "</nav>")
    return "\n".join(parts)


def scores_section(report, figures):
    parts = [heading(2, "scores", "scores")]
    parts.append(paragraph("scores_about", max=grades.points(report.max_score)))
    parts.append(image(figures["scores"], "scores"))
    values = list(report.scores.values())
    if values:
        parts.append(
            paragraph(
                "scores_stats",
                mean=f"{statistics.mean(values):.1f}",
                median=grades.points(statistics.median(values)),
                max=grades.points(report.max_score),
            )
        )
    parts.append(heading(2, "passes", "passes"))
    parts.append(paragraph("passes_about"))
    parts.append(image(figures["passes"], "passes"))
    return "\n".join(parts)


def failures_section(report):
    parts = [heading(2, "failures", "failures"), paragraph("failures_about")]
    several = len({cell.notebook for cell in report.cells}) > 1
    for cell in report.cells:
        title = f"{cell.notebook}: {cell.grade_id}" if several else cell.grade_id
        points = grades.points(cell.max_score)
        parts.append(
            f"<h3>{esc(title)} <span class='muted'>({points} pt) · "
            f"{inline('cell_passed', passed=cell.passed, graded=cell.graded)}</span></h3>"
        )
        if not cell.failures:
            parts.append(paragraph("all_passed", "muted"))
            continue
        rows = []
        for failure in cell.failures[:SHOWN_MESSAGES]:
            students = ", ".join(who(report, student) for student in failure.students)
            chinese = failure.chinese and (
                f'<span class="zh" lang="zh-Hant-TW">{esc(failure.chinese)}</span>'
            )
            rows.append(
                f'<tr><td class="message"><span lang="en">{esc(failure.english)}</span>'
                f'{chinese}</td><td class="count">{failure.count}</td>'
                f'<td class="who">{esc(students)}</td></tr>'
            )
        parts.append(
            f"<table><tr><th>{inline('message')}</th><th>{inline('count')}</th>"
            f"<th>{inline('who')}</th></tr>{''.join(rows)}</table>"
        )
        rest = cell.failures[SHOWN_MESSAGES:]
        if rest:
            students = sum(failure.count for failure in rest)
            parts.append(paragraph("more", "muted", n=len(rest), students=students))
    return "\n".join(parts)


def flagged_section(report):
    parts = [heading(2, "flagged", "flagged")]
    due = report.duedate.strftime("%Y-%m-%d %H:%M") if report.duedate else "—"
    for kind in ("late", "missing", "not_graded", "review", "recovered"):
        found = [flag for flag in report.flagged if flag.kind == kind]
        parts.append(heading(3, kind, f"flagged-{kind}"))
        parts.append(paragraph(f"{kind}_about", "muted", due=due))
        if not found:
            parts.append(paragraph("none"))
            continue
        rows = []
        for flag in found:
            reason = f'<span lang="en">{esc(flag.reason)}</span>'
            if flag.reason_zh:
                reason += f'<span class="zh" lang="zh-Hant-TW">{esc(flag.reason_zh)}</span>'
            rows.append(
                f"<tr><td>{esc(flag.student)}</td><td>{esc(flag.name)}</td><td>{reason}</td></tr>"
            )
        parts.append(
            f"<table><tr><th>{inline('student')}</th><th>{inline('name')}</th>"
            f"<th>{inline('reason')}</th></tr>{''.join(rows)}</table>"
        )
    if report.unmatched:
        parts.append(heading(3, "unmatched", "flagged-unmatched"))
        parts.append("<ul>" + "".join(f"<li>{esc(note)}</li>" for note in report.unmatched))
        parts.append("</ul>")
    return "\n".join(parts)


def percent(value):
    return f"{100 * value:.0f}"


def pairs_section(report):
    parts = [heading(2, "pairs", "pairs")]
    parts.append(
        paragraph(
            "pairs_about",
            n=report.compared,
            threshold=percent(similarity.THRESHOLD),
            shared=similarity.MIN_SHARED,
            common=similarity.COMMON,
        )
    )
    if not report.pairs:
        parts.append(paragraph("no_pairs", n=report.compared))
        return "\n".join(parts)
    parts.append(paragraph("pair_marked", "muted"))
    for number, pair in enumerate(report.pairs[:SHOWN_PAIRS]):
        first, second = who(report, pair.first), who(report, pair.second)
        shares = f"{percent(pair.similarity[0])} % / {percent(pair.similarity[1])} %"
        summary = f"{esc(first)} ↔ {esc(second)}: {shares}"
        opened = " open" if number < OPEN_PAIRS else ""
        parts.append(
            f'<details class="pair"{opened}><summary>{summary}</summary><div class="side">'
            f"<div><h4>{esc(first)}</h4><pre>{pair.code[0]}</pre></div>"
            f"<div><h4>{esc(second)}</h4><pre>{pair.code[1]}</pre></div></div></details>"
        )
    rest = len(report.pairs) - SHOWN_PAIRS
    if rest > 0:
        parts.append(paragraph("more_pairs", "muted", n=rest, shown=SHOWN_PAIRS))
    return "\n".join(parts)


def render(report, figures):
    """The page, as text. `figures`: {"scores": PNG bytes, "passes": PNG bytes}."""
    english, chinese = both("title", assignment=report.assignment)
    body = "\n".join(
        [
            header(report),
            scores_section(report, figures),
            failures_section(report),
            flagged_section(report),
            pairs_section(report),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(english)} · {esc(chinese)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
