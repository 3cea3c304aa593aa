using System.Security.Cryptography.X509Certificates;

namespace TimeMark.Attestation.Reports;

/// <summary>What the verifier knows independently of the report: what it sent, what it trusts, what it expects.</summary>
public sealed record AttestationExpectations
{
    /// <summary>The clock skew allowed between the report's time and the verifier's clock unless told otherwise.</summary>
    public static readonly TimeSpan DefaultMaxClockSkew = TimeSpan.FromSeconds(300);

    /// <summary>The nonce the verifier sent with GET /attestation.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>The time-mark key GET /keys serves ("PUBLIC KEY" PEM): the key the broker marks records with.</summary>
    public required string ServedTimeMarkKeyPem { get; init; }

    /// <summary>The binary_hash of the build the verifier expects (docs/build.md), lowercase hex.</summary>
    public required string BinaryHash { get; init; }

    /// <summary>The config_hash the verifier expects, when it cares which configuration runs.</summary>
    public string? ConfigHash { get; init; }

    /// <summary>The CAs that issue EK certificates (roots and intermediates); with them the AK is tied to a certified TPM.</summary>
    public X509Certificate2Collection? EkCaCertificates { get; init; }

    /// <summary>The AK's public key ("PUBLIC KEY" PEM), pinned after it was trusted once.</summary>
    public string? AkPem { get; init; }

    /// <summary>Accept a self-reported report (no TPM evidence) when every other check passes.</summary>
    public bool AllowUnattested { get; init; }

    public TimeSpan MaxClockSkew { get; init; } = DefaultMaxClockSkew;

    /// <summary>The verifier's clock when the report arrived.</summary>
    public required DateTimeOffset Now { get; init; }
}
