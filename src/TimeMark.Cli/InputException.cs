namespace TimeMark.Cli;

/// <summary>
/// A file or value the user gave cannot be used. The message is one line that
/// names the input and the reason; <see cref="ActionRunner"/> prints it and
/// exits with <see cref="ExitCodes.UsageOrInputError"/>.
/// </summary>
internal sealed class InputException : Exception
{
    public InputException(string message) : base(message) { }
    public InputException(string message, Exception inner) : base(message, inner) { }
    public InputException() : base("input: cannot be used") { }
}
