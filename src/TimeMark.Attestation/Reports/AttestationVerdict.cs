namespace TimeMark.Attestation.Reports;

/// <summary>Every check in report order, and whether the broker counts as attested.</summary>
/// <param name="Reason">Why not attested; when attested, an optional note (a self-reported report accepted on request).</param>
public sealed record AttestationVerdict(IReadOnlyList<CheckResult> Checks, bool Attested, string? Reason)
{
    /// <summary>The CLI's last line: "verdict: attested" or "verdict: NOT attested (reason)".</summary>
    public override string ToString() => Attested
        ? Reason is null ? "verdict: attested" : $"verdict: attested ({Reason})"
        : $"verdict: NOT attested ({Reason})";
}
