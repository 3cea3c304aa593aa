namespace TimeMark.Attestation.Events;

/// <summary>One PCR extend as the event log records it (<see cref="EventLog"/>).</summary>
/// <param name="Pcr">The PCR extended, 0..23.</param>
/// <param name="Digest">The 32-byte SHA-256 digest extended into the sha256 bank.</param>
/// <param name="Kind">What was measured, [a-z0-9-]+ (<see cref="MeasurementKind"/>).</param>
/// <param name="Detail">Free text for people, no control characters; not covered by the PCR.</param>
public sealed record MeasurementEvent(int Pcr, byte[] Digest, string Kind, string Detail);
