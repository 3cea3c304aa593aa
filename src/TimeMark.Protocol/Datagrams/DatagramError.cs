namespace TimeMark.Protocol.Datagrams;

/// <summary>
/// What made a datagram unreadable, where (byte offset into the datagram), and,
/// when a known key was involved, which field.
/// </summary>
public readonly record struct DatagramError(DatagramErrorCode Code, int Offset, DatagramField Field = DatagramField.Unknown)
{
    /// <summary>A sentence naming the rule, the field and the byte offset.</summary>
    public override string ToString() => Errors.Describe(this);
}
