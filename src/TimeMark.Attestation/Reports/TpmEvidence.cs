// TPM 2.0 Library Part 2: TPMS_ATTEST (§10.12.12), TPMT_SIGNATURE (§11.3.4), TPMT_PUBLIC (§12.2.4), TPMS_CLOCK_INFO (§10.11.1).

using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Reports;

/// <summary>
/// The "tpm" member of a report: a quote of the application PCR (and PCR 10 with IMA) over the verifier's nonce, the
/// attestation key that signed it, and the endorsement key and certificate that tie the AK to a genuine TPM.
/// </summary>
public sealed record TpmEvidence
{
    /// <summary>The quote's TPMS_ATTEST bytes (<see cref="TpmQuote.Attest"/>).</summary>
    public required byte[] Quote { get; init; }

    /// <summary>The AK's TPMT_SIGNATURE over <see cref="Quote"/> (<see cref="TpmQuote.Signature"/>).</summary>
    public required byte[] Signature { get; init; }

    /// <summary>The quoted PCRs' sha256-bank values, read right after the quote.</summary>
    public required IReadOnlyDictionary<int, byte[]> Pcrs { get; init; }

    /// <summary>The AK's TPMT_PUBLIC.</summary>
    public required byte[] AkPublic { get; init; }

    /// <summary>The AK's name: nameAlg || H(TPMT_PUBLIC).</summary>
    public required byte[] AkName { get; init; }

    /// <summary>The RSA EK's TPMT_PUBLIC.</summary>
    public required byte[] EkPublic { get; init; }

    /// <summary>The EK certificate (DER) from the TPM's NV index, when it has one.</summary>
    public byte[]? EkCertificate { get; init; }

    /// <summary>The TPM clock as TPM2_ReadClock gave it when answering.</summary>
    public required TpmClockInfo Clock { get; init; }
}
