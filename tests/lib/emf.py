"""CloudWatch Embedded Metric Format, as CloudWatch Logs reads it, for the tests.

check(record) validates one record against the EMF specification
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
an "_aws" object with an integer Timestamp (ms) and a CloudWatchMetrics array of directives, each
with a Namespace, Dimensions (arrays of at most 30 names, each a top-level string member) and
Metrics (at most 100, each naming a top-level number member, Unit from CloudWatch's StandardUnit
enum). datums(record) extracts what CloudWatch would store, as PutMetricData MetricDatum dicts,
and validate_datums() checks them against botocore's model of PutMetricData."""
import botocore.session
from botocore.validate import ParamValidator

_model = botocore.session.get_session().get_service_model("cloudwatch")
UNITS = set(_model.shape_for("StandardUnit").enum)


def check(rec):
    """A list of problems (empty when the record is valid EMF)."""
    errs = []
    aws = rec.get("_aws")
    if not isinstance(aws, dict):
        return ["no _aws object"]
    if not isinstance(aws.get("Timestamp"), int) or isinstance(aws.get("Timestamp"), bool):
        errs.append("Timestamp is not an integer")
    dirs = aws.get("CloudWatchMetrics")
    if not isinstance(dirs, list) or not dirs:
        return errs + ["CloudWatchMetrics is not a non-empty array"]
    for d in dirs:
        ns = d.get("Namespace")
        if not isinstance(ns, str) or not 1 <= len(ns) <= 255 or ns.startswith("AWS/"):
            errs.append(f"bad Namespace {ns!r}")
        dims = d.get("Dimensions")
        if not isinstance(dims, list):
            errs.append("Dimensions is not an array")
            dims = []
        for ds in dims:
            if not isinstance(ds, list) or len(ds) > 30:
                errs.append(f"bad dimension set {ds!r}")
                continue
            for name in ds:
                if not isinstance(rec.get(name), str) or not rec[name]:
                    errs.append(f"dimension {name!r} has no string value")
        metrics = d.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            errs.append("Metrics is not an array of 1-100")
            metrics = []
        for m in metrics:
            name = m.get("Name")
            if not isinstance(name, str) or not 1 <= len(name) <= 255:
                errs.append(f"bad metric name {name!r}")
                continue
            v = rec.get(name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                errs.append(f"metric {name!r} has no number value")
            if "Unit" in m and m["Unit"] not in UNITS:
                errs.append(f"metric {name!r}: unit {m['Unit']!r} is not a StandardUnit")
    return errs


def datums(rec):
    """(namespace, [MetricDatum]) pairs CloudWatch would put for this record."""
    out = []
    for d in rec["_aws"]["CloudWatchMetrics"]:
        for ds in d["Dimensions"]:
            items = []
            for m in d["Metrics"]:
                datum = {"MetricName": m["Name"], "Value": float(rec[m["Name"]]),
                         "Dimensions": [{"Name": n, "Value": rec[n]} for n in ds]}
                if "Unit" in m:
                    datum["Unit"] = m["Unit"]
                items.append(datum)
            out.append((d["Namespace"], items))
    return out


def validate_datums(namespace, items):
    """botocore's verdict on PutMetricData with these datums ("" when valid)."""
    shape = _model.operation_model("PutMetricData").input_shape
    report = ParamValidator().validate({"Namespace": namespace, "MetricData": items}, shape)
    return report.generate_report() if report.has_errors() else ""
