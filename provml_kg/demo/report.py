"""What ``provml demo`` prints: progress bars while it runs, then runs, scores and answers."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from provml_kg.demo.knowledge import Answer, KnowledgeSummary
from provml_kg.demo.learning import RunResult
from provml_kg.demo.lifecycle import LifecycleResult


class RichSteps:
    """Progress hooks drawn as one rich progress bar per phase."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self._tasks: dict[str, Any] = {}

    def begin(self, phase: str, total: int) -> None:
        """Add a bar for ``phase``."""
        self._tasks[phase] = self.progress.add_task(phase, total=total)

    def advance(self, phase: str) -> None:
        """Move the bar of ``phase`` one step."""
        self.progress.advance(self._tasks[phase])


def progress_bars(console: Console) -> Progress:
    """The progress display (a context manager) used while the demo runs."""
    return Progress(TextColumn("[bold]{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _short(iri: Any) -> str:
    text = str(iri)
    return text.rsplit("/", 1)[-1] if text.startswith("http") else text


def _hyperparameters(run: RunResult) -> str:
    mp, lp = run.variant.model_params, run.variant.learning_params
    if "hidden_layer_sizes" in mp:
        return f"h={mp['hidden_layer_sizes']} lr={lp['learning_rate_init']:g} a={lp['alpha']:g}"
    return f"{mp.get('loss')} a={lp['alpha']:g}"


def runs_table(result: LifecycleResult) -> Table:
    """One row per run: experiment, variant, hyperparameters and scores; the selected one starred."""
    table = Table(box=box.SIMPLE_HEAD, title="Runs of the study (valF1 on the validation set selects; test set reports)",
                  title_justify="left", pad_edge=False, caption="* selected; mlp-*: MLPs on all basins; sgd-*: linear "
                  "baselines on the North Sea only. h hidden layers, lr learning rate, a L2 "
                  "penalty; acc, F1: test set; fault, chan, salt: test recall of the structure", caption_justify="left")
    table.add_column("run", no_wrap=True, width=9)
    table.add_column("hyperparameters", overflow="fold", width=18)
    for column in ("valF1", "acc", "F1", "fault", "chan", "salt"):
        table.add_column(column, no_wrap=True, justify="right", width=6)
    for run in result.runs:
        name = run.variant.name if run.rank == 0 and len({r.rank for r in result.runs}) == 1 \
            else f"{run.variant.name}@r{run.rank}"
        table.add_row(name + ("*" if run is result.best else ""),
                      _hyperparameters(run), f"{run.validation['val_f1_macro']:.3f}",
                      f"{run.test['accuracy']:.3f}", f"{run.test['f1_macro']:.3f}",
                      f"{run.test['recall/fault']:.3f}", f"{run.test['recall/channel']:.3f}",
                      f"{run.test['recall/salt']:.3f}")
    return table


def _answer_table(answer: Answer) -> Table:
    table = Table(title=f"Q: {answer.question}", title_justify="left",
                  caption=f"stored query: {answer.query}", caption_justify="left")
    rows = answer.rows
    if answer.query == "lineage":
        for column in ("kind", "ancestor", "generated in workflow execution"):
            table.add_column(column)
        for row in rows:
            table.add_row(row.get("kind", ""), str(row.get("label") or _short(row["ancestor"])),
                          _short(row.get("workflowExecution") or "")[:8])
    elif answer.query == "top_runs_hyperparameters":
        for column in ("rank", "model", "test F1", "hyperparameters (learning and model)"):
            table.add_column(column)
        models: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = models.setdefault(row["model"], {"rank": row["rank"], "value": row["value"],
                                                     "params": {}})
            entry["params"][row.get("hyperparameter")] = row.get("setting")
        for model, entry in sorted(models.items(), key=lambda item: item[1]["rank"]):
            params = " ".join(f"{k}={v}" for k, v in sorted(entry["params"].items()) if k)
            table.add_row(str(entry["rank"]), _short(model)[:16], f"{entry['value']:.3f}", params)
    elif answer.query == "models_by_basin":
        for column in ("basin", "model", "experiment", "cubes"):
            table.add_column(column)
        for row in rows:
            table.add_row(row["basin"], str(row.get("modelName") or _short(row["model"])),
                          _short(row.get("experiment") or ""), row.get("cubes", ""))
    else:
        for column in ("structure", "code", "measure", "value", "procedure"):
            table.add_column(column)
        for row in rows:
            table.add_row(_short(row["structure"]).split("#")[-1], row["code"], row["measure"],
                          f"{row['value']:.3f}", row.get("procedure") or "")
    return table


def print_summary(console: Console, result: LifecycleResult, knowledge: KnowledgeSummary,
                  seconds: float) -> None:
    """Print the runs table, the validation verdict and the answered questions."""
    console.print()
    console.print(runs_table(result))
    best = result.best
    console.print(f"selected model: [bold]{best.variant.experiment}/{best.variant.name}[/] "
                  f"(id {best.model_id}); production interpreted "
                  f"{result.production_cube.spec.name}: agreement with the interpreter "
                  f"{result.production.agreement:.1%}, predicted fault fraction "
                  f"{result.production.fractions['fault']:.1%}")
    verdict = "[green]conforms[/]" if knowledge.conforms else "[red]does not conform[/]"
    console.print(f"knowledge graph: {knowledge.store} — {knowledge.events} events -> "
                  f"{knowledge.quads} quads ingested ({knowledge.store_quads} in the store); "
                  f"SHACL validation {verdict}")
    for problem in knowledge.violations[:10]:
        console.print(f"  [red]{problem}")
    for answer in knowledge.answers:
        console.print()
        console.print(_answer_table(answer))
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in {**result.seconds, **knowledge.seconds}.items())
    console.print(f"\ndone in {seconds:.1f} s ({timing})")
