namespace TimeMark.Protocol.Verification;

/// <summary>One named check of a record, its outcome, and why.</summary>
public sealed record Check(string Name, CheckOutcome Outcome, string Detail);
