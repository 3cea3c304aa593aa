using TimeMark.Broker.Access;

namespace TimeMark.Broker.Pipeline;

/// <summary>One PUBLISH as the pipeline sees it: who sent what where.</summary>
public readonly record struct PublishRequest(ClientIdentity Publisher, string Topic, ReadOnlyMemory<byte> Payload);
