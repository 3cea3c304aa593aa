// TPM 2.0 Library Part 3 §18.4 TPM2_Quote output.

namespace TimeMark.Attestation.Tpm;

/// <summary>A quote as the TPM returned it: the TPMS_ATTEST bytes (<see cref="TpmsAttest"/>) and the TPMT_SIGNATURE over them (<see cref="TpmSignature"/>).</summary>
public sealed record TpmQuote(byte[] Attest, byte[] Signature);
