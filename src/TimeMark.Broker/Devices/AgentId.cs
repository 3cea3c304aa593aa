namespace TimeMark.Broker.Devices;

/// <summary>
/// The rule for agent IDs: 1 to 64 characters from A–Z, a–z, 0–9, '.', '_' and '-',
/// not starting with '.'. The ID is one MQTT topic level in braid/agent/{ID}/
/// and a file name in the devices folder, so it may hold no '/', '+', '#', NUL
/// or path tricks.
/// </summary>
public static class AgentId
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength || id[0] == '.')
            return false;
        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return false;
        }
        return true;
    }
}
