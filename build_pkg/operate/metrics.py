"""`metrics`: invocations, errors, throttles and p50/p99 duration from CloudWatch (boto3).

One GetMetricData call per 100 functions (four queries each, of the 500 a call takes): the
invocations per period for the sparkline, and the window's totals as one period covering
it all. The percentiles come from GetMetricStatistics (ExtendedStatistics p50 and p99 over
the whole window, one call per function): CloudWatch computes them, as combining
per-period percentiles would be wrong. Metrics are by FunctionName, so every version and
alias counts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .. import aws
from ..errors import OperateError

SPARKS = "▁▂▃▄▅▆▇█"
MAX_POINTS = 30  # of a sparkline
_PER_CALL = 100


@dataclass(frozen=True)
class FunctionMetrics:
    name: str
    function: str  # as deployed
    invocations: float
    errors: float
    throttles: float
    p50_ms: float | None
    p99_ms: float | None
    series: tuple[float, ...]  # invocations per period, oldest first

    def as_dict(self) -> dict:
        return {"name": self.name, "function": self.function, "invocations": self.invocations, "errors": self.errors,
                "throttles": self.throttles, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "invocations_per_period": list(self.series)}


def periods(start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """(the sparkline's period, the whole window's), in seconds, in the multiples CloudWatch
    keeps data at by age: 60 s up to 15 days back, 300 s up to 63 days, 3600 s beyond (a
    finer period over older data returns nothing)."""
    age = (end - start).total_seconds()
    unit = 60 if age <= 15 * 86400 else 300 if age <= 63 * 86400 else 3600
    span = max(unit, int(age))
    step = max(unit, math.ceil(span / MAX_POINTS / unit) * unit)
    return step, math.ceil(span / unit) * unit


def queries(index: int, function: str, step: int, whole: int) -> list[dict]:
    def query(key: str, metric: str, period: int) -> dict:
        return {"Id": f"{key}{index}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                       "Dimensions": [{"Name": "FunctionName", "Value": function}]},
            "Period": period, "Stat": "Sum"}}

    return [query("series", "Invocations", step), query("inv", "Invocations", whole),
            query("err", "Errors", whole), query("thr", "Throttles", whole)]


def percentiles(datapoints: list[dict]) -> tuple[float | None, float | None]:
    """p50 and p99 from GetMetricStatistics' datapoints (one, for the whole window)."""
    found = [d.get("ExtendedStatistics") or {} for d in datapoints]
    p50 = [d["p50"] for d in found if d.get("p50") is not None]
    p99 = [d["p99"] for d in found if d.get("p99") is not None]
    return (p50[0] if len(p50) == 1 else None), (p99[0] if len(p99) == 1 else None)


def sparkline(values: list[float]) -> str:
    if not values or max(values) <= 0:
        return SPARKS[0] * len(values)
    top = max(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))] for v in values)


def fold(names: dict[str, str], results: list[dict], start: dt.datetime, step: int, count: int,
         durations: dict[str, tuple[float | None, float | None]]) -> list[FunctionMetrics]:
    """The functions' metrics from GetMetricData's results and each one's percentiles (pure).
    `names`: name -> deployed name, in query order."""
    by_id = {r["Id"]: r for r in results}

    def total(key: str, i: int) -> float:
        return float(sum(v for v in by_id.get(f"{key}{i}", {}).get("Values", []) if v is not None))

    found = []
    for i, (name, function) in enumerate(names.items()):
        series = [0.0] * count
        result = by_id.get(f"series{i}", {})
        for at, value in zip(result.get("Timestamps", []), result.get("Values", [])):
            slot = int((at - start).total_seconds() // step)
            if 0 <= slot < count and value is not None:
                series[slot] += value
        p50, p99 = durations.get(function, (None, None))
        found.append(FunctionMetrics(name, function, total("inv", i), total("err", i), total("thr", i), p50, p99,
                                     tuple(series)))
    return found


def read(cloudwatch, names: dict[str, str], start: dt.datetime, end: dt.datetime) -> list[FunctionMetrics]:
    step, whole = periods(start, end)
    count = max(1, math.ceil((end - start).total_seconds() / step))
    found: list[FunctionMetrics] = []
    items = list(names.items())
    for offset in range(0, len(items), _PER_CALL):
        chunk = dict(items[offset:offset + _PER_CALL])
        sent = [q for i, function in enumerate(chunk.values()) for q in queries(i, function, step, whole)]
        results: list[dict] = []
        token = None
        while True:
            page = _call(cloudwatch.get_metric_data, MetricDataQueries=sent, StartTime=start, EndTime=end,
                         ScanBy="TimestampAscending", **({"NextToken": token} if token else {}))
            results += _merge(results, page.get("MetricDataResults", []))
            token = page.get("NextToken")
            if not token:
                break
        durations = {function: percentiles(_call(cloudwatch.get_metric_statistics, Namespace="AWS/Lambda",
                                                 MetricName="Duration", StartTime=start, EndTime=end, Period=whole,
                                                 Dimensions=[{"Name": "FunctionName", "Value": function}],
                                                 ExtendedStatistics=["p50", "p99"]).get("Datapoints", []))
                     for function in chunk.values()}
        found += fold(chunk, results, start, step, count, durations)
    return found


def _merge(already: list[dict], page: list[dict]) -> list[dict]:
    """A later page continues the same query ids: their values join the first ones."""
    known = {r["Id"]: r for r in already}
    fresh = []
    for result in page:
        if result["Id"] in known:
            known[result["Id"]]["Values"] = known[result["Id"]].get("Values", []) + result.get("Values", [])
            known[result["Id"]]["Timestamps"] = known[result["Id"]].get("Timestamps", []) + result.get("Timestamps", [])
        else:
            fresh.append(result)
    return fresh


def table(rows: list[FunctionMetrics]) -> list[str]:
    header = ("FUNCTION", "INVOCATIONS", "ERRORS", "THROTTLES", "P50", "P99", "INVOCATIONS OVER TIME")
    lines = [header]
    for row in rows:
        def ms(value):
            return "-" if value is None else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
        lines.append((row.name, f"{row.invocations:g}", f"{row.errors:g}", f"{row.throttles:g}", ms(row.p50_ms),
                      ms(row.p99_ms), sparkline(list(row.series))))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return ["  ".join(cell.rjust(widths[i]) if 0 < i < 6 else cell.ljust(widths[i])
                      for i, cell in enumerate(line)).rstrip() for line in lines]


def _call(fn, **kwargs):
    return aws.call("reading CloudWatch metrics", OperateError, fn, **kwargs)
