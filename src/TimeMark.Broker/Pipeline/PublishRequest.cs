using TimeMark.Broker.Access;

namespace TimeMark.Broker.Pipeline;

/// <summary>One PUBLISH as the pipeline sees it: who sent what where.</summary>
public readonly record struct PublishRequest(ClientIdentity Publisher, string Topic, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The PUBLISH carried MQTT's DUP flag (QoS 1 or 2): the client sends it again, not knowing whether the first copy arrived.</summary>
    public bool IsResent { get; init; }
}
