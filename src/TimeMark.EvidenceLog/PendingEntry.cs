// One formatted log entry waiting to be committed, with its RFC 6962 §2.1 leaf hash computed by the caller's thread.

namespace TimeMark.EvidenceLog;

/// <summary>An entry's bytes and leaf hash, as handed from <see cref="LogAppender"/> to <see cref="SqliteLogStore"/>.</summary>
internal readonly record struct PendingEntry(byte[] Bytes, Hash LeafHash);
