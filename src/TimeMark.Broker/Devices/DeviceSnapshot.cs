namespace TimeMark.Broker.Devices;

/// <summary>A consistent copy of one device's activity, for GET /devices/{id} and the metrics.</summary>
public sealed record DeviceSnapshot(
    ulong? LastVer, long Marked, long Rejected, long Gaps, long Regressions, long Replays, long Retransmissions, SkewStatistics Skew);
