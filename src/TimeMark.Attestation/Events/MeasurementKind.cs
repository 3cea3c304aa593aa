namespace TimeMark.Attestation.Events;

/// <summary>The event kinds TimeMark writes into its application PCR.</summary>
public static class MeasurementKind
{
    /// <summary>The digest is the binary_hash of the published files (BinaryListing).</summary>
    public const string Binary = "timemark-binary";

    /// <summary>The digest is the SHA-256 of the canonical JSON of the effective configuration.</summary>
    public const string Configuration = "timemark-config";

    /// <summary>The digest is the SHA-256 of the time-mark key's SubjectPublicKeyInfo (its key id).</summary>
    public const string TimeMarkKey = "timemark-key";
}
