namespace TimeMark.Broker.Access;

/// <summary>One entry of the access list: what a named client may publish and subscribe to.</summary>
public sealed class AccessRule
{
    /// <summary>The client's identity: its MQTT username, or its certificate's subject CN under mTLS.</summary>
    public string Identity { get; set; } = "";

    /// <summary>
    /// Hex SHA-256 of the password the client must give when it connects without a
    /// client certificate. Unsalted, so use a long random password. Without it,
    /// the username alone is trusted: only on a network where that is acceptable.
    /// </summary>
    public string? PasswordSha256 { get; set; }

    /// <summary>Topic filters the client may publish to.</summary>
    public IList<string> Publish { get; init; } = [];

    /// <summary>Topic filters the client may subscribe to (a subscription must lie within one of them).</summary>
    public IList<string> Subscribe { get; init; } = [];
}
