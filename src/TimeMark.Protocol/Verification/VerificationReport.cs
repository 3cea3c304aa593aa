using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol.Verification;

/// <summary>Every check made on a record, in order, and what was measured.</summary>
public sealed class VerificationReport
{
    internal VerificationReport(IReadOnlyList<Check> checks, ClockSkew? skew)
    {
        Checks = checks;
        Skew = skew;
    }

    public IReadOnlyList<Check> Checks { get; }

    /// <summary>INGESTION_TIME − TS, when the record has both.</summary>
    public ClockSkew? Skew { get; }

    /// <summary>True when no check failed. Skipped checks do not fail a record, but say so.</summary>
    public bool Passed => Checks.All(check => check.Outcome != CheckOutcome.Failed);
}
