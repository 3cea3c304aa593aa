namespace TimeMark.Cli.Log;

/// <summary>
/// The report of an offline check verb: one line per check (ok, FAILED or skipped, the check's name and the reason),
/// then a verdict, in the layout <c>timemark verify</c> uses.
/// </summary>
internal sealed class CheckList
{
    private readonly List<(string Label, string Name, string Detail)> _lines = [];

    public bool Passed => _lines.TrueForAll(line => line.Label != Failed);

    private const string Ok = "ok";
    private const string Failed = "FAILED";
    private const string Skipped = "skipped";

    /// <summary>Adds a check; returns <paramref name="passed"/> so callers can chain on it.</summary>
    public bool Add(string name, bool passed, string detail)
    {
        _lines.Add((passed ? Ok : Failed, name, detail));
        return passed;
    }

    public void Skip(string name, string detail) => _lines.Add((Skipped, name, detail));

    public int Write(TextWriter output)
    {
        foreach ((string label, string name, string detail) in _lines)
            output.WriteLine($"{label,-9}{name}: {detail}");
        int failed = _lines.Count(line => line.Label == Failed);
        int skipped = _lines.Count(line => line.Label == Skipped);
        output.WriteLine(failed == 0
            ? $"verdict: PASSED ({_lines.Count - skipped} checks passed, {skipped} skipped)"
            : $"verdict: FAILED ({failed} of {_lines.Count} checks failed)");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}
