// TPM 2.0 Library Part 2 §10.11.1 TPMS_CLOCK_INFO.

namespace TimeMark.Attestation.Tpm;

/// <summary>TPMS_CLOCK_INFO: milliseconds the TPM has been powered (kept across power cycles), its reset and restart counts,
/// and whether the clock value is known not to have gone backwards (a TPM2_Shutdown was seen since the last NV update).</summary>
public readonly record struct TpmClockInfo(ulong ClockMilliseconds, uint ResetCount, uint RestartCount, bool Safe);
