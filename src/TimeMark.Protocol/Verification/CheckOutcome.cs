namespace TimeMark.Protocol.Verification;

public enum CheckOutcome
{
    Passed,
    Failed,
    /// <summary>Not checked; the detail says what was missing to check it.</summary>
    Skipped,
}
