// The kinds of evidence log entry; the value is the entry's key 0 (see LogEntry and docs/evidence-log.md).

namespace TimeMark.EvidenceLog;

/// <summary>What a log entry records. The numeric value is written in the entry (key 0) and never changes.</summary>
public enum LogEntryKind
{
    /// <summary>A marked message: topic, publisher, INGESTION_TIME and payload.</summary>
    Message = 0,

    /// <summary>A reserved index that could not be filled with a message; it carries the reason instead.</summary>
    Void = 1,
}
