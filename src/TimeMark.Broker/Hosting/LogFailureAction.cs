namespace TimeMark.Broker.Hosting;

/// <summary>What the broker does once its evidence log has failed (a commit failed: the log takes no more entries).</summary>
public enum LogFailureAction
{
    /// <summary>
    /// Stop, exiting 1, so that the supervisor (systemd's Restart=on-failure, a container's restart policy) starts it
    /// again and the new start reopens the log at its durable size: a passing fault such as a PostgreSQL restart heals
    /// itself, a lasting one fails every start with its cause. The default.
    /// </summary>
    Stop,

    /// <summary>
    /// Keep running, refusing every message (0x80) until someone restarts the broker; the HTTP API keeps serving what
    /// is durable, and /healthz answers 503 naming the cause.
    /// </summary>
    Refuse,
}
