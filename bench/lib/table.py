"""Plain-text tables for the benchmark reports (shared by every bench/*.py script)."""


def fmt_rate(value):
    """A rate or a duration with a sensible number of digits, or the failure text."""
    if isinstance(value, str):
        return value
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def fmt_ratio(value):
    if value is None:
        return "-"
    return f"{value:.2f}x"


def ratio(better_when_high, rvirt, libvirt):
    """rvirt's advantage: >1 means rvirt is better, for rates (higher is better) and for
    times or sizes (lower is better) alike. None when either side failed."""
    if not isinstance(rvirt, (int, float)) or not isinstance(libvirt, (int, float)):
        return None
    if rvirt <= 0 or libvirt <= 0:
        return None
    return rvirt / libvirt if better_when_high else libvirt / rvirt


def print_table(title, headers, rows):
    """Prints an aligned table; failure texts become numbered notes printed below it."""
    notes = []
    cells = []
    for row in rows:
        cells.append([])
        for c in row:
            c = str(c)
            if c.startswith("FAILED"):
                detail = c[len("FAILED"):].lstrip(": ").strip()
                if detail:
                    if detail not in notes:
                        notes.append(detail)
                    c = f"FAILED[{notes.index(detail) + 1}]"
            cells[-1].append(c)
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    print()
    print(title)
    line = "  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i])
                     for i, h in enumerate(headers))
    print(line)
    print("-" * len(line))
    for row in cells:
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                        for i, c in enumerate(row)))
    for i, note in enumerate(notes, 1):
        print(f"  [{i}] {note}")
