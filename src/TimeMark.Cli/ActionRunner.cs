using System.CommandLine;

namespace TimeMark.Cli;

/// <summary>
/// Runs a verb's body with the invocation's writers and turns an
/// <see cref="InputException"/> into one line on stderr and exit code 2.
/// </summary>
/// <remarks>
/// Only input errors are caught here. Any other exception is a bug in timemark;
/// Program disables System.CommandLine's handler so such a bug crashes with a
/// distinct exit code instead of posing as a failed check (1).
/// </remarks>
internal static class ActionRunner
{
    public static int Run(ParseResult parseResult, Func<TextWriter, int> body)
    {
        InvocationConfiguration configuration = parseResult.InvocationConfiguration;
        try
        {
            return body(configuration.Output);
        }
        catch (InputException e)
        {
            configuration.Error.WriteLine(Errors.Line(e.Message));
            return ExitCodes.UsageOrInputError;
        }
    }

    /// <summary>The same for a verb whose body awaits I/O (the evidence log verbs).</summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, Task<int>> body)
    {
        InvocationConfiguration configuration = parseResult.InvocationConfiguration;
        try
        {
            return await body(configuration.Output).ConfigureAwait(false);
        }
        catch (InputException e)
        {
            await configuration.Error.WriteLineAsync(Errors.Line(e.Message)).ConfigureAwait(false);
            return ExitCodes.UsageOrInputError;
        }
    }
}
