namespace TimeMark.Cli.Tests;

/// <summary>What one run of the built <c>timemark</c> produced.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout split into lines, without the final empty one.</summary>
    public string[] StdoutLines => Stdout.TrimEnd('\n').Split('\n');

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}
