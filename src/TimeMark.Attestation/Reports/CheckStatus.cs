namespace TimeMark.Attestation.Reports;

/// <summary>How one attestation check came out.</summary>
public enum CheckStatus
{
    Pass,
    Fail,
    /// <summary>Not checked; the detail says why (an option not given, or no TPM evidence).</summary>
    Skip,
}
