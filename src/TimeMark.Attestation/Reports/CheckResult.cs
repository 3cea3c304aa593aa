namespace TimeMark.Attestation.Reports;

/// <summary>One named attestation check (<see cref="AttestationCheck"/>), its outcome, and a sentence saying why.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail)
{
    public static CheckResult Pass(string name, string detail) => new(name, CheckStatus.Pass, detail);

    public static CheckResult Fail(string name, string detail) => new(name, CheckStatus.Fail, detail);

    public static CheckResult Skip(string name, string why) => new(name, CheckStatus.Skip, why);

    /// <summary>The CLI's line: "PASS  nonce  …", "FAIL  …" or "SKIP  …".</summary>
    public override string ToString() => $"{Status.ToString().ToUpperInvariant()}  {Name}  {Detail}";
}
