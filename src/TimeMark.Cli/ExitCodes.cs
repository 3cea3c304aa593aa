namespace TimeMark.Cli;

/// <summary>
/// The process exit codes of <c>timemark</c>. Scripts branch on them, so a
/// failed check (1) is never confused with a mistake in how the tool was run (2).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did its job and every check passed.</summary>
    public const int Ok = 0;

    /// <summary>The inputs were read, and a check on them failed (verify), or they were refused (mark).</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad command line, or an input that cannot be read or parsed (missing file, bad PEM, bad JSON, not CBOR).</summary>
    public const int UsageOrInputError = 2;
}
