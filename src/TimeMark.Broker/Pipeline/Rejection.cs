namespace TimeMark.Broker.Pipeline;

/// <summary>One rejected message: what, who, when, why. The payload itself is not kept, only its size.</summary>
public sealed record Rejection(DateTimeOffset At, string Publisher, string Topic, int PayloadLength, RejectReason Reason, string Detail);
