namespace TimeMark.Protocol.Keys;

/// <summary>A key file or PEM text that is not a supported key; the message says why.</summary>
public sealed class KeyFormatException : FormatException
{
    public KeyFormatException(string message) : base(message) { }
    public KeyFormatException(string message, Exception inner) : base(message, inner) { }
    public KeyFormatException() : base("key: not a supported key") { }
}
