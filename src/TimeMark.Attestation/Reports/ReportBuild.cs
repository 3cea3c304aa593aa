namespace TimeMark.Attestation.Reports;

/// <summary>The "build" member of a report: what GET /build says (<see cref="BuildMeasurement"/>), self-reported by the broker.</summary>
public sealed record ReportBuild
{
    /// <summary>binary_hash over the broker's published files as measured at start, lowercase hex; null when nothing was measured.</summary>
    public string? BinaryHash { get; init; }

    public string? SourceCommit { get; init; }

    public string? BuildDate { get; init; }

    /// <summary>True only when the files matched their build manifest.</summary>
    public bool Verified { get; init; }

    /// <summary>The measurement's sentence (<see cref="BuildMeasurement.Detail"/>).</summary>
    public string? Status { get; init; }
}
