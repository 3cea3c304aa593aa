namespace TimeMark.Broker.Access;

/// <summary>
/// Who may publish and subscribe where (design.md, "Trust decisions"): an agent
/// under its own <c>braid/agent/{ID}/</c> topics, any client where the access
/// list grants it, and nobody anywhere else.
/// </summary>
public sealed class AccessPolicy
{
    private readonly Dictionary<string, AccessRule[]> _rulesByIdentity;

    public AccessPolicy(IEnumerable<AccessRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rulesByIdentity = rules
            .GroupBy(rule => rule.Identity, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>True when the access list names <paramref name="identity"/>.</summary>
    public bool Lists(string identity) => _rulesByIdentity.ContainsKey(identity);

    public bool MayPublish(ClientIdentity client, string topic) =>
        (client.IsAgent && topic.StartsWith(AgentTopicPrefix(client.Name), StringComparison.Ordinal))
        || Granted(client, topic, rule => rule.Publish);

    public bool MaySubscribe(ClientIdentity client, string filter) =>
        (client.IsAgent && TopicFilter.Covers(AgentTopicPrefix(client.Name) + "#", filter))
        || Granted(client, filter, rule => rule.Subscribe);

    /// <summary>The topics an agent owns: <c>braid/agent/{ID}/</c>.</summary>
    public static string AgentTopicPrefix(string agentId) => $"braid/agent/{agentId}/";

    private bool Granted(ClientIdentity client, string requested, Func<AccessRule, IList<string>> filters) =>
        _rulesByIdentity.TryGetValue(client.Name, out AccessRule[]? rules)
        && rules.Any(rule => filters(rule).Any(allowed => TopicFilter.Covers(allowed, requested)));
}
