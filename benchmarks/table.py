"""Print figures as a plain-text table, and the median that every repeated figure uses."""

import statistics


def median(values):
    return statistics.median(values) if values else float("nan")


def print_table(title, headers, rows, notes=()):
    """A title, a header row, a rule, right-aligned rows (the first column left-aligned)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(row):
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    print(f"\n{title}")
    print(line([str(h) for h in headers]))
    print("-" * len(line([str(h) for h in headers])))
    for row in cells:
        print(line(row))
    for note in notes:
        print(f"  {note}")
