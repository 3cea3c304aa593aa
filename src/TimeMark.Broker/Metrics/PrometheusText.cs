using TimeMark.Broker.Hosting;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Metrics;

/// <summary>Writes GET /metrics in the Prometheus text exposition format 0.0.4.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(TextWriter writer, BrokerService broker)
    {
        BrokerMetrics metrics = broker.Metrics;
        Counter(writer, "timemark_messages_marked_total", "Messages marked, logged and forwarded.",
            ("kind=\"datagram\"", metrics.MarkedDatagrams), ("kind=\"plain\"", metrics.MarkedPlain));
        Counter(writer, "timemark_messages_rejected_total", "Messages rejected, by reason.",
            [.. Enum.GetValues<RejectReason>().Select(reason => ($"reason=\"{reason}\"", broker.Rejections.Count(reason)))]);
        Counter(writer, "timemark_rejection_records_unsaved_total",
            "Rejection records not saved to disk (queue full or file not writable): kept in memory and logged only.", ("", broker.Rejections.Unsaved));
        Counter(writer, "timemark_retransmissions_total",
            "Resent PUBLISHes (DUP) of datagrams already marked: acknowledged, neither marked nor forwarded again.", ("", metrics.Retransmissions));
        Counter(writer, "timemark_deferred_verifications_total",
            "DeviceVerification=Deferred: device signatures checked after forwarding, by verdict (skipped: queue full, not checked).",
            ("verdict=\"good\"", metrics.DeferredVerdicts(DeferredVerdict.Good)),
            ("verdict=\"bad-signature\"", metrics.DeferredVerdicts(DeferredVerdict.BadSignature)),
            ("verdict=\"skipped\"", metrics.DeferredVerdicts(DeferredVerdict.Skipped)));
        Gauge(writer, "timemark_log_entries", "Durable entries in the evidence log.", broker.Log.TreeSize);
        Gauge(writer, "timemark_log_failed", "1 once the evidence log has failed: every message is refused until a restart.",
            broker.LogFailure is null ? 0 : 1);
        Counter(writer, "timemark_clock_step_backs_total", "Times the system clock stepped back.", ("", broker.Clock.StepBacks));
        metrics.Durability.WriteTo(writer, "timemark_log_durability_seconds", "Time from append to durable.");
        metrics.ClockSkew.WriteTo(writer, "timemark_device_clock_skew_seconds", "Absolute device clock skew, INGESTION_TIME - TS.");
    }

    private static void Counter(TextWriter writer, string name, string help, params (string Labels, long Value)[] series)
    {
        writer.Write($"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach (var (labels, value) in series)
            writer.Write(FormattableString.Invariant($"{name}{(labels.Length > 0 ? "{" + labels + "}" : "")} {value}\n"));
    }

    private static void Gauge(TextWriter writer, string name, string help, long value) =>
        writer.Write(FormattableString.Invariant($"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));
}
