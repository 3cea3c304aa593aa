namespace TimeMark.Broker.Access;

/// <summary>One entry of the access list: what a named client may publish and subscribe to.</summary>
public sealed class AccessRule
{
    /// <summary>The client's identity: its MQTT username, or its certificate's subject CN under mTLS.</summary>
    public string Identity { get; set; } = "";

    /// <summary>Topic filters the client may publish to.</summary>
    public IList<string> Publish { get; init; } = [];

    /// <summary>Topic filters the client may subscribe to (a subscription must lie within one of them).</summary>
    public IList<string> Subscribe { get; init; } = [];
}
