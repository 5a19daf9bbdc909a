"""The plot: wall time against N for our module and the peers (matplotlib, from the bench venv)."""

SERIES = (
    ("reconcile", "hubspot.marketing (reconcile)", "o", "-"),
    ("reconcile_force", "hubspot.marketing, force: true (write-only plan)", "v", "-"),
    ("sdk", "hubspot-api-client blind batches", "s", "-"),
    ("script", "per-contact script", "^", "-"),
    ("uri", "ansible.builtin.uri loop", "D", "-"),
)


def plot(rows, path, title):
    """Write a PNG; measured points filled, extrapolated points hollow on a dashed line. Returns False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for kind, label, marker, dummy in SERIES:
        points = set((r["n"], r["wall_s"], bool(r.get("extrapolated"))) for r in rows if r["kind"] == kind)
        # the run an extrapolation comes from, at its own N
        points.update((r["measured_items"], r["measured_wall_s"], False) for r in rows if r["kind"] == kind and r.get("extrapolated"))
        points = sorted(points)
        if not points:
            continue
        line = ax.plot([p[0] for p in points], [p[1] for p in points], linestyle="-", marker=None, label=label)[0]
        color = line.get_color()
        if any(p[2] for p in points):
            line.set_linestyle("--")
        for n, wall, extrapolated in points:
            ax.plot([n], [wall], marker=marker, color=color, markersize=7,
                    markerfacecolor="white" if extrapolated else color)
    ping = [r["wall_s"] for r in rows if r["kind"] == "ping"]
    if ping:
        ax.axhline(ping[0], color="grey", linestyle=":", label="one ansible.builtin.ping task")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("contacts N")
    ax.set_ylabel("wall time, s (log)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.plot([], [], marker="o", color="grey", markerfacecolor="white", linestyle="--", label="extrapolated (hollow)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
