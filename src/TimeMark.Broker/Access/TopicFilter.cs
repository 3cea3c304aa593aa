// MQTT topic names and filters: MQTT v5 §4.7 (v3.1.1 §4.7 is the same).
namespace TimeMark.Broker.Access;

/// <summary>
/// Whether one topic filter allows everything another asks for. A topic name is
/// a filter without wildcards, so the same test decides a PUBLISH (topic name)
/// and a SUBSCRIBE (topic filter) against the filters an access rule grants.
/// </summary>
public static class TopicFilter
{
    /// <summary>
    /// True for a well-formed filter (§4.7.1): not empty, no NUL, '#' only as the
    /// whole last level, '+' only as a whole level.
    /// </summary>
    public static bool IsValid(string filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0', StringComparison.Ordinal))
            return false;
        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            string level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
                return false;
            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
                return false;
        }
        return true;
    }

    /// <summary>
    /// True when every topic that <paramref name="requested"/> matches is also
    /// matched by <paramref name="allowed"/>.
    /// </summary>
    /// <remarks>
    /// '+' matches exactly one level, '#' the parent level and any number of
    /// levels below it (§4.7.1). Filters that start with a wildcard never match
    /// topics starting with '$' (§4.7.2), so such an allowed filter does not
    /// cover a requested '$' topic.
    /// </remarks>
    public static bool Covers(string allowed, string requested)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(requested);
        if (requested.Length == 0)
            return false;

        string[] allowedLevels = allowed.Split('/');
        string[] requestedLevels = requested.Split('/');
        bool requestedIsSystem = requested.StartsWith('$');

        for (int level = 0; ; level++)
        {
            if (level == allowedLevels.Length)
                return level == requestedLevels.Length;

            string grant = allowedLevels[level];
            if (grant == "#")
                return !(level == 0 && requestedIsSystem);
            if (level == requestedLevels.Length)
                return false;

            string ask = requestedLevels[level];
            if (ask == "#")
                return false;
            if (grant == "+")
            {
                if (level == 0 && requestedIsSystem)
                    return false;
                continue;
            }
            if (ask == "+" || !string.Equals(grant, ask, StringComparison.Ordinal))
                return false;
        }
    }
}
