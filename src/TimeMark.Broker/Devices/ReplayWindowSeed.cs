using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Devices;

/// <summary>
/// Refills the per-device replay windows and last VERs from the tail of the
/// evidence log at start, so that a datagram marked before a restart is still
/// recognised as a replay afterwards.
/// </summary>
public static class ReplayWindowSeed
{
    /// <summary>How many of the newest log entries are read back at start: one read each, so this bounds the start-up time.</summary>
    public const int EntriesRead = 10_000;

    /// <returns>How many datagrams were taken into the windows.</returns>
    public static async Task<int> SeedAsync(LogStore log, DeviceActivityTable activity, CancellationToken cancellationToken)
    {
        long size = log.TreeSize;
        int restored = 0;
        for (long index = Math.Max(0, size - EntriesRead); index < size; index++)
        {
            byte[] bytes = await log.ReadEntryAsync(index, cancellationToken).ConfigureAwait(false);
            if (!LogEntry.TryParse(bytes, out LogEntry? entry, out _) || entry.Kind != LogEntryKind.Message || entry.Publisher is null
                || !DatagramReader.TryRead(entry.Payload, out Datagram datagram, out _) || datagram.Ver is not ulong ver)
            {
                continue; // void entries, plain messages and unreadable payloads hold no datagram to replay
            }
            activity.For(entry.Publisher).Restore(ver, ContentHash.Of(datagram));
            restored++;
        }
        return restored;
    }
}
